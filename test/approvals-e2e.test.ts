/**
 * Segregation of duties on both doors (seed 002): an agent's "ask" is answered only by an
 * authenticated approver who is not the agent, whose role may decide and who is among the
 * rule's approvers. Every refused attempt leaves the request pending and lands in the audit
 * log, as does the decision that turns the identical request into a pass.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAuditRecords } from './support/audit-records.js';
import { startTestWarden, type TestWarden } from './support/warden.js';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const K = {
  lead: 'wadm_e2e_lead_0123456789abcdefghijkl',
  prodAgent: 'wadm_e2e_prod_agent_0123456789abcdef',
  deployer: 'wadm_e2e_deployer_0123456789abcdefgh',
  vic: 'wadm_e2e_vic_0123456789abcdefghijklm',
  olga: 'wadm_e2e_olga_0123456789abcdefghijkl',
  aud: 'wadm_e2e_aud_0123456789abcdefghijklm',
};
const key = (name: string, k: string, role: string, groups: string[] = []) => ({ name, key_sha256: sha(k), role: role as 'approver', groups });

describe('approvals: no one approves their own request', () => {
  let backend: Server;
  let w: TestWarden;
  const dir = mkdtempSync(join(tmpdir(), 'warden-approvals-e2e-'));
  const agents: Record<string, string> = {};

  before(async () => {
    backend = createServer((_req, res) => res.end('{"deployed":true}'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const node = `127.0.0.1:${(backend.address() as AddressInfo).port}`;
    w = await startTestWarden(
      {
        admin: {
          keys: [
            key('lead', K.lead, 'approver', ['platform-team']),
            // Keys named after the consumers whose requests they would approve.
            key('prod-agent', K.prodAgent, 'approver', ['platform-team']),
            key('deployer', K.deployer, 'admin', ['platform-team']),
            key('vic', K.vic, 'viewer', ['platform-team']),
            key('olga', K.olga, 'approver', ['db-owners']),
            key('aud', K.aud, 'auditor'),
          ],
        },
        routes: [{ id: 'deploy', uri: '/api/deploy', upstream: { nodes: { [node]: 1 } }, key_auth: { enabled: true }, policies: ['deploys-ask'] }],
        policy: {
          rules: [{ id: 'opus-needs-approval', when: 'door == "llm" && llm.model.startsWith("claude-opus")', action: 'ask', approvers: ['platform-team'], reason: 'opus needs a human' }],
          policies: { 'deploys-ask': { rules: [{ id: 'deploy-approval', when: 'request.method == "POST"', action: 'ask', approvers: ['platform-team'], reason: 'deploys need a human' }] } },
        },
      },
      { dir },
    );
    agents.llm = w.key('prod-agent').key;
    agents.http = w.key('deployer').key;
  });
  after(async () => {
    await w.close();
    await new Promise((r) => backend.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const request: Record<string, (variant?: string) => Promise<{ status: number; code?: string; message: string }>> = {
    llm: async (variant = 'claude-opus-4-5') => {
      const r = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': agents.llm! }, body: JSON.stringify({ model: variant, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
      const j = (await r.json()) as { error?: { message: string } };
      return { status: r.status, code: r.headers.get('x-warden-error-code') ?? undefined, message: j.error?.message ?? '' };
    },
    // The deploy rule does not read the body, so the body is not part of what is approved; the query is.
    http: async (variant = 'env=prod') => {
      const r = await fetch(`${w.url}/api/deploy?${variant}`, { method: 'POST', headers: { 'content-type': 'application/json', apikey: agents.http! }, body: '{}' });
      const j = (await r.json()) as { message?: string; code?: string };
      return { status: r.status, code: j.code, message: j.message ?? '' };
    },
  };
  const decide = async (id: string, verb: 'approve' | 'deny', headers: Record<string, string>) => {
    const r = await fetch(`${w.adminUrl}/admin/approvals/${id}/${verb}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"note":"checked"}' });
    const j = (await r.json()) as { error?: { code: string; message: string }; approval?: { decided_by: string; status: string } };
    return { status: r.status, code: j.error?.code, message: j.error?.message ?? '', approval: j.approval };
  };
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

  for (const door of ['llm', 'http'] as const) {
    test(`${door} door: refused attempts leave the request pending; a listed approver's answer turns the identical request into a pass`, async () => {
      const consumer = door === 'llm' ? 'prod-agent' : 'deployer';
      const first = await request[door]!();
      assert.equal(first.status, 403, first.message);
      assert.match(first.message, /needs a human approval: approval apr_\w+ is pending: ask a Warden approver to review it, then repeat the request/);
      assert.doesNotMatch(first.message, /warden approvals|admin-key|approve apr_|wadm_/, 'the agent gets no approval command and no admin key');
      const id = /approval (apr_\w+) is pending/.exec(first.message)![1]!;

      // [who tries, headers, status, code]
      const attempts: [string, Record<string, string>, number, string][] = [
        ['nobody', {}, 401, 'WARDEN_E_ADMIN_UNAUTHORIZED'],
        ['the agent with its own virtual key', bearer(agents[door]!), 401, 'WARDEN_E_ADMIN_UNAUTHORIZED'],
        ['another agent\'s virtual key', bearer(agents[door === 'llm' ? 'http' : 'llm']!), 401, 'WARDEN_E_ADMIN_UNAUTHORIZED'],
        ['an admin key named as the requesting consumer', bearer(door === 'llm' ? K.prodAgent : K.deployer), 403, 'WARDEN_E_APPROVAL_SELF'],
        ['a viewer in the right group', bearer(K.vic), 403, 'WARDEN_E_ADMIN_FORBIDDEN'],
        ['an auditor', bearer(K.aud), 403, 'WARDEN_E_ADMIN_FORBIDDEN'],
        ['an approver outside approvers', bearer(K.olga), 403, 'WARDEN_E_APPROVAL_NOT_APPROVER'],
      ];
      for (const [who, headers, status, code] of attempts) {
        for (const verb of ['approve', 'deny'] as const) {
          const r = await decide(id, verb, headers);
          assert.deepEqual([r.status, r.code], [status, code], `${who} (${verb}): ${r.message}`);
        }
        const still = await request[door]!();
        assert.equal(still.status, 403, `${who}: the request is still refused`);
        assert.match(still.message, new RegExp(`approval ${id} is pending`), who);
      }

      const ok = await decide(id, 'approve', bearer(K.lead));
      assert.equal(ok.status, 200, ok.message);
      assert.deepEqual([ok.approval?.status, ok.approval?.decided_by], ['approved', 'lead']);
      assert.equal((await request[door]!()).status, 200, 'the identical request passes');
      const other = await request[door]!(door === 'llm' ? 'claude-opus-4-1' : 'env=staging');
      assert.equal(other.status, 403, 'a different request needs its own approval');
      assert.doesNotMatch(other.message, new RegExp(id));
      for (const verb of ['approve', 'deny'] as const) {
        const again = await decide(id, verb, bearer(K.lead));
        assert.deepEqual([again.status, again.code], [409, 'WARDEN_E_APPROVAL_CLOSED'], `${verb} after approval`);
      }

      // The trail: every attempt by an identified caller, named, readable by an auditor; anonymous
      // attempts (no key, a virtual key) are audited as admin calls, never rows of the trail.
      const trail = (await (await fetch(`${w.adminUrl}/admin/approvals/${id}`, { headers: bearer(K.aud) })).json()) as { decided_by: string; decided_via: string; events: { actor: string; outcome: string; code: string | null }[] };
      assert.deepEqual([trail.decided_by, trail.decided_via], ['lead', 'admin-api']);
      assert.deepEqual(trail.events.filter((e) => e.outcome !== 'refused').map((e) => [e.actor, e.outcome]), [['lead', 'approved']]);
      assert.deepEqual(
        trail.events.filter((e) => e.outcome === 'refused').map((e) => [e.actor, e.code]),
        [...attempts.filter(([, , status]) => status !== 401).flatMap(([, h, , code]) => {
          const actor = h.authorization === bearer(K.vic).authorization ? 'vic' : h.authorization === bearer(K.aud).authorization ? 'aud' : h.authorization === bearer(K.olga).authorization ? 'olga' : consumer;
          return [[actor, code], [actor, code]];
        }), ['lead', 'WARDEN_E_APPROVAL_CLOSED'], ['lead', 'WARDEN_E_APPROVAL_CLOSED']],
      );
      assert.ok(!JSON.stringify(trail).includes('wadm_') && !JSON.stringify(trail).includes('wdn_'), 'no key in the trail');
    });
  }

  test('denied then approved: the denial holds; an expired approval cannot be answered', async () => {
    const first = await request.http!('env=eu');
    const id = /approval (apr_\w+) is pending/.exec(first.message)![1]!;
    const bad = await fetch(`${w.adminUrl}/admin/approvals/${id}/deny`, { method: 'POST', headers: bearer(K.lead), body: '{"ttl": 5}' });
    assert.equal(bad.status, 400, 'a malformed answer is refused');
    assert.equal((await w.warden.gateway.approvals.get(id))?.status, 'pending');
    assert.deepEqual((await w.warden.gateway.approvals.events(id)).map((e) => [e.actor, e.code]), [['lead', 'WARDEN_E_ADMIN_BAD_INPUT']], 'and recorded');
    assert.equal((await decide(id, 'deny', bearer(K.lead))).status, 200);
    const refused = await request.http!('env=eu');
    assert.equal(refused.status, 403);
    assert.match(refused.message, new RegExp(`approval ${id} was refused by lead: checked`));
    const flip = await decide(id, 'approve', bearer(K.lead));
    assert.deepEqual([flip.status, flip.code], [409, 'WARDEN_E_APPROVAL_CLOSED']);
    assert.match(flip.message, /already denied by lead/);
    assert.equal((await request.http!('env=eu')).status, 403, 'still refused');

    const now = Date.now();
    const stale = await w.warden.gateway.approvals.create({ consumer: 'deployer', door: 'http', summary: 's', rule: 'rule:deploy.deploy-approval', fingerprint: 'old', approvers: ['platform-team'], created: now - 10_000, expires: now - 1, grantTtlMs: 60_000 });
    const late = await decide(stale.id, 'approve', bearer(K.lead));
    assert.deepEqual([late.status, late.code], [409, 'WARDEN_E_APPROVAL_CLOSED']);
    assert.match(late.message, /expired at/);
  });

  test('every decision and refused attempt is in the audit log, named, with no key', async () => {
    const all = readAuditRecords(w.auditDir);
    const records = all.filter((r) => r.rule?.startsWith('approval:'));
    assert.ok(records.length >= 2 * (4 * 2 + 3), `${records.length} approval records`);
    for (const r of records) {
      assert.equal(r.door, 'admin');
      assert.ok(r.consumer, 'the actor is named');
      assert.ok(!JSON.stringify(r).includes('wadm_') && !JSON.stringify(r).includes('wdn_'), 'no key in the audit');
    }
    const approved = records.filter((r) => r.decision === 'allow' && r.consumer === 'lead' && /^approved apr_/.test(r.reason ?? ''));
    assert.equal(approved.length, 2, 'one approval per door');
    assert.match(approved[0]!.reason!, /^approved apr_\w+ \(rule rule:global\.opus-needs-approval, asked by consumer prod-agent\) as lead \(role approver\) via admin-api; holds until \S+ \[at \S+ via admin-api\]$/);
    const self = records.filter((r) => r.error_code === 'WARDEN_E_APPROVAL_SELF');
    assert.deepEqual(new Set(self.map((r) => [r.consumer, r.decision, r.status].join())), new Set(['prod-agent,deny,403', 'deployer,deny,403']));
    assert.ok(!records.some((r) => r.consumer === 'unauthenticated'), 'anonymous attempts are not approval events');
    const anonymous = all.filter((r) => r.door === 'admin' && r.rule === 'admin:api' && r.consumer === 'unauthenticated' && /^POST \/admin\/approvals\/apr_\w+\/(approve|deny) without a valid admin credential/.test(r.reason ?? ''));
    assert.ok(anonymous.length >= 2 * 3 * 2 && anonymous.every((r) => r.error_code === 'WARDEN_E_ADMIN_UNAUTHORIZED'), `${anonymous.length} anonymous attempts audited as admin calls`);
    assert.ok(records.some((r) => r.consumer === 'lead' && r.decision === 'allow' && /^denied apr_/.test(r.reason ?? '')));
  });
});
