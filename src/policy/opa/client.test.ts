import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startOpaServer, type OpaServer } from '../../../test/support/opa-server.js';
import { opaSchema } from '../config.js';
import { parseDocument } from '../document.js';
import { OpaSource } from './client.js';

const DENY_REASON = 'access to production database is not allowed for staging agent';

/** Seed 000's OPA rule: a staging consumer may not touch the production database. */
function seedPolicy(input: any) {
  if (input.consumer?.labels?.level === 'staging' && input.request?.body?.database === 'prod') return { allow: false, reason: DENY_REASON };
  return { allow: true, headers: { 'x-opa-user': input.consumer?.username ?? 'anonymous' } };
}

const request = (database: string) =>
  parseDocument({
    door: 'http',
    time: Date.now(),
    consumer: { name: 'claude-code-staging', labels: { level: 'staging' } },
    request: {
      method: 'POST', path: '/api/database/query',
      headers: { authorization: 'apikey agent-staging-key-123', 'x-context': 'user-asked-for-data-analysis' },
      body: { query: 'SELECT * FROM users', database },
    },
    route: { id: 'claude-code-api' },
  });

const source = (host: string, o: Record<string, unknown> = {}) => new OpaSource(opaSchema.parse({ host, policy: 'claude_code_policy', ...o }), 'global');

describe('OPA source against an OPA-compatible server', () => {
  let opa: OpaServer;
  const sources: OpaSource[] = [];
  const make = (o: Record<string, unknown> = {}, host?: string) => {
    const s = source(host ?? opa.url, o);
    sources.push(s);
    return s;
  };
  before(async () => (opa = await startOpaServer(seedPolicy)));
  after(async () => {
    await Promise.all(sources.map((s) => s.close()));
    await opa.close();
  });

  test("seed 000: staging agent + prod database → deny with OPA's reason; staging database → allow", async () => {
    const s = make({ with_consumer: true, with_route: true, with_body: { max_bytes: 4096 }, send_headers_upstream: ['x-opa-user'] });
    assert.deepEqual(await s.decide(request('prod')), { outcome: 'deny', rule: 'opa:global', status: 403, reason: DENY_REASON });
    assert.deepEqual(await s.decide(request('staging')), { outcome: 'allow', rule: 'opa:global', upstreamHeaders: { 'x-opa-user': 'claude-code-staging' } });
    const call = opa.calls.at(-1)!;
    assert.equal(call.path, 'claude_code_policy');
    assert.equal(call.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(call.body.input).sort(), ['consumer', 'request', 'route', 'type', 'var', 'warden']);
    assert.ok(!JSON.stringify(call.body).includes('agent-staging-key-123'), 'the key never reaches OPA');
  });

  test('without with_body the body is not sent, so the seed policy cannot see it', async () => {
    const s = make({ with_consumer: true });
    assert.equal((await s.decide(request('prod'))).outcome, 'allow');
    assert.equal(opa.calls.at(-1)!.body.input.request.body, undefined);
  });

  test('keep-alive: calls reuse pooled connections; keepalive: false opens one per call', async () => {
    const before = opa.connections();
    const s = make();
    for (let i = 0; i < 20; i++) assert.equal((await s.decide(request('staging'))).outcome, 'allow');
    // undici may open a second socket while the first is finishing; it never grows with the calls.
    assert.ok(opa.connections() - before <= 2, `${opa.connections() - before} connections for 20 calls`);
    const mid = opa.connections();
    const t = make({ keepalive: false });
    for (let i = 0; i < 3; i++) await t.decide(request('staging'));
    assert.equal(opa.connections() - mid, 3);
  });

  test('not JSON, no result, error status → 503 WARDEN_E_POLICY_BAD_ANSWER', async () => {
    const s = make();
    try {
      for (const raw of [{ body: '<html>oops</html>' }, { body: '{}' }, { status: 500, body: '{"code":"internal_error"}' }, { body: '{"result":' }]) {
        opa.setRaw(() => raw);
        const d = await s.decide(request('staging'));
        assert.equal(d.code, 'WARDEN_E_POLICY_BAD_ANSWER', JSON.stringify(raw));
        assert.equal(d.status, 503);
      }
    } finally {
      opa.setRaw(null);
    }
  });

  test('a huge answer is cut at max_answer_bytes → 503, streamed or announced', async () => {
    const s = make({ max_answer_bytes: 64 * 1024 });
    try {
      opa.setRaw(() => ({ streamBytes: 50 * 1024 * 1024 }));
      const d = await s.decide(request('staging'));
      assert.equal(d.code, 'WARDEN_E_POLICY_BAD_ANSWER');
      assert.match(d.reason!, /larger than 65536 bytes/);
      opa.setRaw(() => ({ body: JSON.stringify({ result: { allow: true, pad: 'x'.repeat(70 * 1024) } }) }));
      assert.equal((await s.decide(request('staging'))).code, 'WARDEN_E_POLICY_BAD_ANSWER');
      opa.setRaw(null);
      assert.equal((await s.decide(request('staging'))).outcome, 'allow', 'the pool recovers after a cut answer');
    } finally {
      opa.setRaw(null);
    }
  });

  test('a slow OPA → fail closed 403 WARDEN_E_POLICY_UNAVAILABLE at the deadline', async () => {
    const s = make({ timeout_ms: 150 });
    try {
      opa.setRaw(() => ({ delayMs: 5000, body: '{"result":true}' }));
      const t0 = Date.now();
      const d = await s.decide(request('staging'));
      const took = Date.now() - t0;
      assert.equal(d.code, 'WARDEN_E_POLICY_UNAVAILABLE');
      assert.equal(d.status, 403);
      assert.match(d.reason!, /did not answer within 150 ms/);
      assert.ok(took < 2000, `gave up after ${took} ms`);
    } finally {
      opa.setRaw(null);
    }
  });

  test('an unreachable OPA → fail closed 403 WARDEN_E_POLICY_UNAVAILABLE', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const s = make({}, `http://127.0.0.1:${port}`);
    const d = await s.decide(request('staging'));
    assert.deepEqual({ outcome: d.outcome, code: d.code, status: d.status }, { outcome: 'deny', code: 'WARDEN_E_POLICY_UNAVAILABLE', status: 403 });
    assert.match(d.reason!, /could not be reached \(ECONNREFUSED\)/);
  });
});

test('an input that cannot be serialised fails closed without calling OPA', async () => {
  const s = source('http://127.0.0.1:9', { with_body: { max_bytes: 1 << 20 } });
  const d = await s.decide(parseDocument({ door: 'http', time: 0, request: { body: { n: 1n } } }));
  assert.equal(d.code, 'WARDEN_E_POLICY_UNAVAILABLE');
  assert.match(d.reason!, /input could not be built/);
  await s.close();
});
