/**
 * Seed 000 end to end, from the documented example config itself
 * (examples/seed-000/warden.yaml): key-auth, ACL, CEL and OPA on an /api/* route, the
 * upstream reached only when allowed, and the audit trail shipped in _bulk format.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadConfigFile } from '../src/config/load.js';
import { startOpaServer, type OpaServer } from './support/opa-server.js';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { startBackend, startCollector, waitFor, type Backend, type Collector } from './http-door-support.js';
import { readAuditRecords } from './support/audit-records.js';

// Relative to the repository root, where the test runner runs (works from test/ and dist/test/).
const EXAMPLE = resolve('examples/seed-000/warden.yaml');

describe('seed 000: permission guards for Claude Code at the API gateway', () => {
  let backend: Backend;
  let opa: OpaServer;
  let collector: Collector;
  let w: TestWarden;
  let keys: Record<'sandbox' | 'staging' | 'prod', string>;

  before(async () => {
    backend = await startBackend('internal-backend');
    collector = await startCollector();
    // Stands in for claude_code_policy.rego (same decisions, same answer shape).
    opa = await startOpaServer((input) => {
      const prodDb = input.request.body?.database === 'prod';
      if (!prodDb || input.consumer?.labels?.level === 'production') return { allow: true };
      return { allow: false, reason: 'access to production database is not allowed for staging agent', status_code: 403 };
    });
    process.env.BACKEND_HOST = backend.host;
    process.env.BACKEND_PORT = String(backend.port);
    process.env.OPA_URL = opa.url;
    process.env.HTTP_LOGGER_URI = collector.url;
    // Listeners, store and audit folder are the test's own; everything else is the example as written.
    const { server: _s, admin: _a, store: _st, audit: _au, logging: _l, ...example } = loadConfigFile(EXAMPLE);
    w = await startTestWarden(example);
    keys = { sandbox: w.key('claude-code-sandbox').key, staging: w.key('claude-code-staging').key, prod: w.key('claude-code-prod').key };
  });
  after(async () => {
    // Close whatever before() got to start, so a failure there cannot leave servers running.
    await w?.close();
    await Promise.all([backend?.close(), opa?.close(), collector?.close()]);
  });

  const query = (key: string | undefined, database: string, method = 'POST', headers: Record<string, string> = {}) =>
    fetch(`${w.url}/api/database/query`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { apikey: key } : {}), ...headers },
      body: method === 'GET' ? undefined : JSON.stringify({ query: 'SELECT * FROM users', database }),
    });

  test('the staging agent asking for the production database gets 403 with the policy reason; the backend never sees it', async () => {
    const before = backend.seen.length;
    const res = await query(keys.staging, 'prod', 'POST', { 'x-context': 'user-asked-for-data-analysis' });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { message: string; code: string; request_id: string };
    assert.equal(body.message, 'access to production database is not allowed for staging agent');
    assert.equal(body.code, 'WARDEN_E_POLICY_DENIED');
    assert.equal(backend.seen.length, before);
    const call = opa.calls.at(-1)!;
    assert.equal(call.path, 'claude_code_policy');
    assert.equal(call.body.input.consumer.username, 'claude-code-staging');
    assert.equal(call.body.input.route.id, 'claude-code-api');
    assert.equal(call.body.input.request.headers['x-context'], 'user-asked-for-data-analysis');
    assert.ok(!JSON.stringify(call.body).includes(keys.staging), 'the key never reaches OPA');
    const rec = readAuditRecords(w.auditDir).find((r) => r.request_id === body.request_id)!;
    assert.equal(rec.door, 'http');
    assert.equal(rec.decision, 'deny');
    assert.equal(rec.rule, 'opa:agents-api');
  });

  test('with "database": "staging" it is forwarded and answered 200 by the upstream, with the consumer asserted', async () => {
    const res = await query(keys.staging, 'staging', 'POST', { 'x-consumer-username': 'claude-code-prod' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { node: 'internal-backend', path: '/api/database/query', method: 'POST' });
    const seen = backend.seen.at(-1)!;
    assert.equal(seen.headers['x-consumer-username'], 'claude-code-staging', 'a client-sent X-Consumer-Username is replaced');
    assert.equal(seen.headers['x-consumer-groups'], 'agents');
    assert.equal(seen.headers['apikey'], undefined, 'hide_credentials');
    assert.deepEqual(JSON.parse(seen.body), { query: 'SELECT * FROM users', database: 'staging' });
  });

  test('a production-level agent may query the production database', async () => {
    const res = await query(keys.prod, 'prod');
    assert.equal(res.status, 200);
    assert.equal(backend.seen.at(-1)!.headers['x-consumer-username'], 'claude-code-prod');
  });

  test('a sandbox agent may read but not write (CEL rule)', async () => {
    const write = await query(keys.sandbox, 'staging');
    assert.equal(write.status, 403);
    assert.equal(((await write.json()) as { message: string }).message, 'sandbox agents may only read (GET)');
    const read = await fetch(`${w.url}/api/tables`, { headers: { 'x-api-key': keys.sandbox } });
    assert.equal(read.status, 200);
  });

  test('key-auth: missing and invalid keys get the APISIX bodies with 401', async () => {
    const missing = await query(undefined, 'staging');
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { message: string }).message, 'Missing API key in request');
    const invalid = await query('agent-staging-key-123', 'staging');
    assert.equal(invalid.status, 401);
    assert.equal(((await invalid.json()) as { message: string }).message, 'Invalid API key in request');
    const bearer = await fetch(`${w.url}/api/tables`, { headers: { authorization: `Bearer ${keys.staging}` } });
    assert.equal(bearer.status, 200);
  });

  test('an OPA answer that is not a decision gets 503 (APISIX contract)', async () => {
    opa.setRaw(() => ({ status: 200, body: 'not json' }));
    try {
      const res = await query(keys.prod, 'staging');
      assert.equal(res.status, 503, 'an answer that is not a decision is 503 (APISIX contract)');
    } finally {
      opa.setRaw(null);
    }
  });

  test('every exchange reaches the collector in _bulk format, without keys', async () => {
    await waitFor(() => collector.posts.some((p) => p.body.includes('"status":403')), 5000);
    const all = collector.posts.map((p) => p.body).join('');
    assert.equal(collector.posts[0]!.contentType, 'application/x-ndjson');
    const lines = all.trim().split('\n');
    assert.equal(lines.length % 2, 0);
    for (let i = 0; i < lines.length; i += 2) assert.deepEqual(JSON.parse(lines[i]!), { index: { _index: 'claude-code-audit' } });
    const docs = lines.filter((_, i) => i % 2 === 1).map((l) => JSON.parse(l));
    assert.ok(docs.some((d) => d.consumer?.name === 'claude-code-staging' && d.response.status === 403 && d.route === 'claude-code-api'));
    for (const k of Object.values(keys)) assert.ok(!all.includes(k));
  });
});
