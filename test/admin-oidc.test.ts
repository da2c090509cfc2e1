/**
 * Operators by OIDC against a real OpenID Provider: admin roles from groups
 * (admin.oidc_roles), an approval raised by an OIDC-identified agent request, answered by an
 * OIDC approver through the admin API and through `warden approvals approve` with the login
 * of `warden login`; the requester cannot answer their own request, a viewer and an auditor
 * cannot answer at all, a forged token is 401, and the audit names who did each thing
 * (issuer and subject), never a token.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnCli, waitForOutput } from './support/cli-process.js';
import { readAuditRecords } from './support/audit-records.js';
import { CLI_CLIENT_ID, DEFAULT_RESOURCE, startTestIdp, type TestIdp } from './support/oidc-idp.js';
import { startUpstream, type Upstream } from './support/upstream.js';
import { GUARDS_OFF, startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OIDC operators: roles from groups, approvals, audit', { timeout: 120_000 }, () => {
  let idp: TestIdp;
  let upstream: Upstream;
  let w: TestWarden;
  let configFile: string;
  const tokens: Record<string, string> = {};
  let roles: { issuer: string; group: string; role: 'admin' | 'approver' | 'auditor' | 'viewer' }[];

  before(async () => {
    idp = await startTestIdp();
    upstream = await startUpstream();
    roles = [
      { issuer: idp.issuer, group: 'admin', role: 'admin' },
      { issuer: idp.issuer, group: 'approver', role: 'approver' },
      { issuer: idp.issuer, group: 'auditor', role: 'auditor' },
      // alice is an agent user and an approver: she must still not answer her own request.
      { issuer: idp.issuer, group: 'data-reader', role: 'approver' },
      { issuer: idp.issuer, group: 'data-writer', role: 'viewer' },
      // Same group name at an issuer Warden does not trust for admins: grants nothing here.
      { issuer: 'https://partner.example.com', group: 'auditor', role: 'admin' },
    ];
    const config = {
      ...claudeViaUpstream(upstream.url),
      guards: GUARDS_OFF,
      identity: { oidc: [{ issuer: idp.issuer, audience: DEFAULT_RESOURCE, name_claim: 'preferred_username' }] },
      admin: { oidc_roles: roles },
      policy: { rules: [{ id: 'opus-asks', when: 'door == "llm" && llm.model.startsWith("claude-opus")', action: 'ask' as const, reason: 'opus needs a human' }] },
    };
    w = await startTestWarden(config);
    // The same config as a file, for the CLI (another process on the same store).
    configFile = join(w.dir, 'warden.yaml');
    writeFileSync(configFile, JSON.stringify({ ...config, store: { driver: 'sqlite', path: join(w.dir, 'warden.db') }, audit: { dir: w.auditDir }, bootstrap_key: false }));
    for (const a of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) tokens[a] = await idp.mintAccessToken(a);
  });

  after(async () => {
    await w?.close();
    await Promise.all([idp?.stop(), upstream?.close()]);
  });

  async function ask(token: string, model: string): Promise<string> {
    const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) });
    const text = await res.text();
    assert.equal(res.status, 403, text);
    return /approval (apr_\w+)/.exec(text)?.[1] ?? assert.fail(text);
  }

  async function admin(token: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${w.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string }; approval?: Record<string, unknown> } & Record<string, unknown> };
  }

  test('an OIDC approver answers; the requester, a viewer, an auditor, a stranger and a forged token cannot; the audit says who', async () => {
    const id = await ask(tokens.alice!, 'claude-opus-4-1');
    const seen = await admin(tokens.carol!, 'GET', `/admin/approvals/${id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.json.consumer, 'alice');
    assert.match(String(seen.json.requester_key), /^oidc_[0-9a-f]{16}$/);

    const self = await admin(tokens.alice!, 'POST', `/admin/approvals/${id}/approve`, {});
    assert.equal(self.status, 403);
    assert.equal(self.json.error!.code, 'WARDEN_E_APPROVAL_SELF');
    assert.match(self.json.error!.message, /the same identity cannot answer its own request/);

    const viewer = await admin(tokens.bob!, 'POST', `/admin/approvals/${id}/approve`, {});
    assert.equal(viewer.status, 403);
    assert.equal(viewer.json.error!.code, 'WARDEN_E_ADMIN_FORBIDDEN');
    assert.match(viewer.json.error!.message, /has role viewer, which does not allow approvals\.decide/);

    const auditor = await admin(tokens.erin!, 'POST', `/admin/approvals/${id}/deny`, {});
    assert.equal(auditor.json.error!.code, 'WARDEN_E_ADMIN_FORBIDDEN');
    assert.equal((await admin(tokens.erin!, 'GET', '/admin/approvals')).status, 200, 'an auditor reads approvals');
    assert.equal((await admin(tokens.bob!, 'GET', '/admin/approvals')).status, 403, 'a viewer does not');
    assert.equal((await admin(tokens.bob!, 'GET', '/admin/consumers')).status, 200, 'a viewer reads the configuration');

    const stranger = await admin(tokens.frank!, 'GET', '/admin/consumers');
    assert.equal(stranger.status, 403);
    assert.match(stranger.json.error!.message, /has no admin role: none of their groups \(none\) is mapped in admin\.oidc_roles/);

    // frank has no admin role: refused, and the approval's trail names him (not "unauthenticated").
    assert.equal((await admin(tokens.frank!, 'POST', `/admin/approvals/${id}/approve`, {})).json.error!.code, 'WARDEN_E_ADMIN_FORBIDDEN');
    const trail = await w.warden.gateway.approvals.events(id);
    assert.deepEqual([trail.at(-1)!.actor, trail.at(-1)!.role, trail.at(-1)!.code], [`oidc:${idp.issuer}#frank`, null, 'WARDEN_E_ADMIN_FORBIDDEN']);

    const forged = await admin(idp.forge.algNone(idp.forge.claims('dave')), 'GET', '/admin/consumers');
    assert.equal(forged.status, 401);
    assert.equal(forged.json.error!.code, 'WARDEN_E_ADMIN_UNAUTHORIZED');
    assert.match(forged.json.error!.message, /OIDC token refused \(WARDEN_E_TOKEN_ALG\)/);
    const tampered = await admin(idp.forge.tamper(tokens.frank!, { groups: ['admin'] }), 'GET', '/admin/consumers');
    assert.equal(tampered.status, 401, 'a tampered group claim gives no role');

    const ok = await admin(tokens.carol!, 'POST', `/admin/approvals/${id}/approve`, { note: 'fine' });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.approval!.decided_by, `oidc:${idp.issuer}#carol`);
    assert.equal(ok.json.approval!.decided_role, 'approver');
    // alice's identical request now passes.
    const again = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.alice}` }, body: JSON.stringify({ model: 'claude-opus-4-1', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }) });
    assert.equal(again.status, 200, await again.text());

    // dave (admin) writes; the audit names him by issuer and subject.
    assert.equal((await admin(tokens.dave!, 'PUT', '/admin/consumers/ci-bot', { groups: ['ci'] })).status, 200);
    await sleep(200);
    const recs = readAuditRecords(w.auditDir).filter((r) => r.door === 'admin');
    const decided = recs.find((r) => r.route === `/admin/approvals/${id}/approve` && r.decision === 'allow');
    assert.ok(decided, JSON.stringify(recs.map((r) => [r.route, r.consumer, r.decision])));
    assert.equal(decided.consumer, `oidc:${idp.issuer}#carol`);
    assert.equal(decided.issuer, idp.issuer);
    assert.equal(decided.subject, 'carol');
    const selfTry = recs.find((r) => r.route === `/admin/approvals/${id}/approve` && r.error_code === 'WARDEN_E_APPROVAL_SELF');
    assert.equal(selfTry?.subject, 'alice');
    const write = recs.find((r) => r.method === 'PUT' && r.route === '/admin/consumers/ci-bot');
    assert.equal(write?.subject, 'dave');
    assert.equal(write?.status, 200);
    assert.match(write!.reason!, /as oidc:\S+#dave \(role admin, OIDC consumer name dave\) via admin-api: HTTP 200/);
    const refused = recs.find((r) => r.route === '/admin/consumers' && r.subject === 'frank');
    assert.equal(refused?.status, 403);
    const forgedRec = recs.find((r) => r.route === '/admin/consumers' && r.status === 401);
    assert.equal(forgedRec?.consumer, 'unauthenticated');
    const all = JSON.stringify(recs);
    for (const t of Object.values(tokens)) assert.ok(!all.includes(t.split('.')[2]!), 'no token in the audit');
  });

  test('warden approvals approve with the login of warden login: the requester is refused, an approver answers', async () => {
    const id = await ask(tokens.alice!, 'claude-opus-4-5');
    const login = async (account: string) => {
      const dir = join(w.dir, `login-${account}`);
      const child = spawnCli(['login', '--pkce', '--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--resource', DEFAULT_RESOURCE, '--scope', 'openid offline_access api'], { env: { WARDEN_LOGIN_DIR: dir } });
      const closed = new Promise<number | null>((r) => child.on('close', r));
      const url = (await waitForOutput(child, /http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/)).trim();
      await fetch(await idp.authorize(url, account));
      assert.equal(await closed, 0);
      return { WARDEN_LOGIN_DIR: dir, WARDEN_ADMIN_KEY: '' };
    };
    const alice = await login('alice');
    const mine = await runCli(['--config', configFile, 'approvals', 'approve', id], { env: alice });
    assert.equal(mine.code, 1, mine.stderr);
    assert.match(mine.stderr, /^WARDEN_E_APPROVAL_SELF: .*the same identity cannot answer its own request/m);
    const carol = await login('carol');
    const r = await runCli(['--config', configFile, 'approvals', 'approve', id, '--oidc', '--note', 'ok from the CLI'], { env: carol });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${id} approved: .*decided by oidc:http://127\\.0\\.0\\.1:\\d+#carol`));
    const a = await w.warden.gateway.approvals.get(id);
    assert.equal(a?.decidedVia, 'cli');
    assert.equal(a?.decidedBy, `oidc:${idp.issuer}#carol`);
    const events = await w.warden.gateway.approvals.events(id);
    assert.deepEqual(events.map((e) => [e.actor.replace(/^oidc:.*#/, ''), e.outcome, e.code]), [['alice', 'refused', 'WARDEN_E_APPROVAL_SELF'], ['carol', 'approved', null]]);
    // The server copies the CLI's answers into its audit log (every second): named by issuer and subject.
    let recs: ReturnType<typeof readAuditRecords> = [];
    for (let i = 0; i < 50 && recs.length < 2; i++) {
      await sleep(100);
      recs = readAuditRecords(w.auditDir).filter((r) => r.door === 'admin' && r.method === 'CLI' && r.route === `/admin/approvals/${id}/approve`);
    }
    assert.deepEqual(recs.map((r) => [r.subject, r.issuer, r.decision, r.error_code]), [['alice', idp.issuer, 'deny', 'WARDEN_E_APPROVAL_SELF'], ['carol', idp.issuer, 'allow', null]]);
  });
});

describe('admin.oidc_audience: the admin API takes only tokens issued for it', { timeout: 60_000 }, () => {
  const ADMIN_RESOURCE = 'https://warden-admin.test';
  let idp: TestIdp;
  let w: TestWarden;

  before(async () => {
    idp = await startTestIdp({ resources: [DEFAULT_RESOURCE, ADMIN_RESOURCE] });
    w = await startTestWarden({
      guards: GUARDS_OFF,
      identity: { oidc: [{ issuer: idp.issuer, audience: [DEFAULT_RESOURCE, ADMIN_RESOURCE], name_claim: 'preferred_username' }] },
      admin: { oidc_audience: ADMIN_RESOURCE, oidc_roles: [{ issuer: idp.issuer, group: 'admin', role: 'admin' }] },
    } as never);
  });

  after(async () => {
    await w?.close();
    await idp?.stop();
  });

  test('the agent-side token of an admin (what `warden token` hands Claude Code) is 401 on the admin API; their admin-audience token works', async () => {
    const get = async (token: string) => {
      const res = await fetch(`${w.adminUrl}/admin/consumers`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } };
    };
    const agentSide = await get(await idp.mintAccessToken('dave', { resource: DEFAULT_RESOURCE }));
    assert.equal(agentSide.status, 401);
    assert.equal(agentSide.json.error!.code, 'WARDEN_E_ADMIN_UNAUTHORIZED');
    assert.match(agentSide.json.error!.message, /not issued for the admin API: its audience .* lacks admin\.oidc_audience \(https:\/\/warden-admin\.test\)/);
    assert.equal((await get(await idp.mintAccessToken('dave', { resource: ADMIN_RESOURCE }))).status, 200);
    await sleep(200);
    const refused = readAuditRecords(w.auditDir).find((r) => r.door === 'admin' && r.status === 401);
    assert.deepEqual([refused?.consumer, refused?.subject, refused?.error_code], [`oidc:${idp.issuer}#dave`, 'dave', 'WARDEN_E_ADMIN_UNAUTHORIZED'], 'the refusal names the verified identity');
  });
});
