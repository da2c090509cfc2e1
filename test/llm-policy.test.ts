/**
 * The policy engine on the LLM door: model scope is a policy source, CEL rules see the
 * model, the tools offered, the stream flag and the consumer's labels, an "ask" becomes a
 * pending approval that an approver (CLI or admin API, with an admin key) turns into a pass.
 * The same approval gate answers on the http door.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../src/cli/main.js';
import { startUpstream, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, startTestWarden, type TestWarden } from './support/warden.js';
import { readAuditRecords } from './support/audit-records.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

const LEAD_KEY = 'wadm_llm_policy_lead_0123456789abcdef';
const ADMIN = { keys: [{ name: 'lead', role: 'approver' as const, groups: ['platform-team'], key_sha256: createHash('sha256').update(LEAD_KEY).digest('hex') }] };
const REVIEW_URL = 'https://console.example.com/warden/approvals';

async function waitFor<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = find();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('not found in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function call(w: TestWarden, key: string, payload: Record<string, unknown>) {
  const res = await fetch(`${w.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], ...payload }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) };
}

describe('the policy engine on the LLM door', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let api: Server;
  let apiUrl: string;

  before(async () => {
    upstream = await startUpstream();
    api = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiUrl = `127.0.0.1:${(api.address() as AddressInfo).port}`;
    w = await startTestWarden({
      providers: anthropicUpstreamConfig(upstream.url),
      admin: ADMIN,
      models: [{ match: 'claude-*', provider: 'anthropic' }],
      routes: [{ id: 'deploy', uri: '/api/deploy', upstream: { nodes: { [apiUrl]: 1 } }, key_auth: { enabled: true }, policies: ['deploys-ask'] }],
      policy: {
        acl: { deny: { labels: { level: ['quarantine'] } }, rejected_msg: 'this consumer is quarantined' },
        rules: [
          { id: 'no-opus-on-staging', when: 'door == "llm" && llm.model.startsWith("claude-opus") && consumer.labels.level == "staging"', reason: 'opus models are not available to staging agents' },
          { id: 'no-webfetch-sandbox', when: 'door == "llm" && "WebFetch" in llm.tools && consumer.labels.level == "sandbox"', reason: 'sandbox agents may not be offered WebFetch' },
          { id: 'batch-no-stream', when: 'door == "llm" && llm.stream && "batch" in consumer.groups', reason: 'batch consumers must not stream' },
          { id: 'opus-needs-approval', when: 'door == "llm" && llm.model.startsWith("claude-opus") && consumer.labels.level == "production"', action: 'ask', approvers: ['platform-team'], reason: 'opus for production agents' },
        ],
        policies: { 'deploys-ask': { rules: [{ id: 'deploy-approval', when: 'request.method == "POST"', action: 'ask', reason: 'deploys need a human' }] } },
        approvals: { review_url: REVIEW_URL },
      },
    });
  });
  after(async () => {
    await w.close();
    await upstream.close();
    await new Promise((r) => api.close(r));
  });

  test('a CEL rule over the model and the consumer label refuses with its reason and rule id', async () => {
    const { key } = w.key('stage-agent', { labels: { level: 'staging' } });
    const r = await call(w, key, { model: 'claude-opus-4-5' });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.type, 'permission_error');
    assert.match(r.json.error.message, /opus models are not available to staging agents \(rule rule:global\.no-opus-on-staging\)/);
    assert.equal(r.headers.get('x-should-retry'), 'false');
    assert.equal((await call(w, key, { model: 'claude-sonnet-4-5' })).status, 200);
    const rec = readAuditRecords(w.auditDir).find((x) => x.consumer === 'stage-agent' && x.status === 403)!;
    assert.equal(rec.rule, 'rule:global.no-opus-on-staging');
  });

  test('rules see the tools offered and the stream flag', async () => {
    const sandbox = w.key('sandbox-agent', { labels: { level: 'sandbox' } }).key;
    const tools = [{ name: 'WebFetch', description: 'fetch', input_schema: { type: 'object' } }];
    const r = await call(w, sandbox, { tools });
    assert.equal(r.status, 403);
    assert.match(r.json.error.message, /sandbox agents may not be offered WebFetch/);
    assert.equal((await call(w, sandbox, { tools: [{ name: 'Read', description: 'read', input_schema: { type: 'object' } }] })).status, 200);
    const batch = w.key('batch-agent', { groups: ['batch'] }).key;
    assert.equal((await call(w, batch, { stream: true })).status, 403);
    assert.equal((await call(w, batch, { stream: false })).status, 200);
  });

  test('ACL by label applies on the LLM door with its rejected_msg', async () => {
    const { key } = w.key('bad-agent', { labels: { level: 'quarantine' } });
    const r = await call(w, key, {});
    assert.equal(r.status, 403);
    assert.match(r.json.error.message, /this consumer is quarantined/);
  });

  test('model scope is the first policy source', async () => {
    const { key } = w.key('scoped', { models: ['claude-haiku-*'] });
    const r = await call(w, key, {});
    assert.equal(r.status, 403);
    assert.match(r.json.error.message, /model "claude-sonnet-4-5" is not allowed for key/);
  });

  test('ask: a pending approval is created, an approver with an admin key (CLI) lets the identical request through', async () => {
    const { key } = w.key('prod-agent', { labels: { level: 'production' } });
    const first = await call(w, key, { model: 'claude-opus-4-5' });
    assert.equal(first.status, 403);
    assert.match(first.json.error.message, /opus for production agents; rule rule:global\.opus-needs-approval needs a human approval: approval (\S+) is pending: a Warden approver reviews it at https:\/\/console\.example\.com\/warden\/approvals, then repeat the request \[WARDEN_E_APPROVAL_REQUIRED, request req_\w+\]$/);
    assert.doesNotMatch(first.json.error.message, /warden approvals|admin-key|approve apr_/, 'the agent is not handed a command that approves');
    const id = /approval (\S+) is pending/.exec(first.json.error.message)![1]!;
    // Asking again reuses the pending approval instead of piling up new ones.
    const again = await call(w, key, { model: 'claude-opus-4-5' });
    assert.match(again.json.error.message, new RegExp(`approval ${id} is pending`));
    const out: string[] = [];
    const cfgPath = join(w.dir, 'warden.yaml');
    writeFileSync(cfgPath, stringify({ store: { driver: 'sqlite', path: join(w.dir, 'warden.db') }, audit: { dir: w.auditDir }, admin: ADMIN }));
    const keyFile = join(w.dir, 'lead.key');
    writeFileSync(keyFile, LEAD_KEY, { mode: 0o600 });
    const code = await main(['--config', cfgPath, 'approvals', 'approve', id, '--admin-key-file', keyFile], { out: (s) => out.push(s), err: (s) => out.push(s) });
    assert.equal(code, 0, out.join(''));
    const granted = await call(w, key, { model: 'claude-opus-4-5' });
    assert.equal(granted.status, 200);
    const rec = readAuditRecords(w.auditDir).filter((x) => x.consumer === 'prod-agent').at(-1)!;
    assert.equal(rec.decision, 'allow');
    assert.match(rec.reason ?? '', new RegExp(`approved by lead \\[approval ${id}\\]`));
    // The CLI cannot append to the log the server holds: the server copies its answer in.
    const decided = await waitFor(() => readAuditRecords(w.auditDir).find((x) => x.rule === `approval:${id}`));
    assert.deepEqual([decided.door, decided.method, decided.consumer, decided.decision], ['admin', 'CLI', 'lead', 'allow']);
    assert.match(decided.reason ?? '', new RegExp(`^approved ${id} \\(rule rule:global\\.opus-needs-approval, asked by consumer prod-agent\\) as lead \\(role approver\\) via cli`));
  });

  test('the http door answers ask through the same approval gate', async () => {
    const { key } = w.key('deployer');
    const post = () => fetch(`${w.url}/api/deploy`, { method: 'POST', headers: { apikey: key, 'content-type': 'application/json' }, body: '{}' });
    const first = await post();
    assert.equal(first.status, 403);
    const msg = ((await first.json()) as { message: string }).message;
    const id = /approval (\S+) is pending/.exec(msg)?.[1];
    assert.ok(id, msg);
    assert.doesNotMatch(msg, /warden approvals|admin-key|approve apr_/);
    const decided = await fetch(`${w.adminUrl}/admin/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${LEAD_KEY}` } });
    assert.equal(decided.status, 200);
    assert.equal(((await decided.json()) as { approval: { decided_by: string } }).approval.decided_by, 'lead');
    const second = await post();
    assert.equal(second.status, 200);
  });
});
