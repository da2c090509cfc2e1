/**
 * HTTP upstreams against real servers: server-everything from npm over Streamable HTTP and
 * legacy SSE (bound to 127.0.0.1), and an SDK fixture server that hangs, answers garbage,
 * forgets sessions and echoes the credential each call carried.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWardenError, type WardenError } from '../../../core/errors.js';
import { createLogger } from '../../../telemetry/log.js';
import { mcpSchema } from '../config.js';
import { closeUpstreams, createUpstreams, type UpstreamServer } from './index.js';
import { startEverythingHttp, type RunningEverything } from '../../../../test/fixtures/mcp/everything.js';
import { startFixtureHttpServer, type FixtureHttpServer } from '../../../../test/fixtures/mcp/http-server.js';

const logs: string[] = [];
const log = createLogger('debug', (l) => void logs.push(l));
let everything: RunningEverything;
let everythingSse: RunningEverything;
let fixture: FixtureHttpServer;
let refused: http.Server;
let servers: Map<string, UpstreamServer>;
const get = (n: string) => servers.get(n) as UpstreamServer;
const alice = { consumer: 'alice' };
const text = (r: Record<string, unknown>) => ((r.content as { text: string }[])[0] as { text: string }).text;

before(async () => {
  [everything, everythingSse, fixture] = await Promise.all([startEverythingHttp('streamableHttp'), startEverythingHttp('sse'), startFixtureHttpServer()]);
  // A port that accepts and then closes: nothing listens behind it.
  refused = http.createServer();
  await new Promise<void>((r) => refused.listen(0, '127.0.0.1', r));
  const deadPort = (refused.address() as AddressInfo).port;
  await new Promise<void>((r) => refused.close(() => r()));
  const cfg = mcpSchema.parse({
    servers: {
      ev: { transport: 'http', url: everything.url },
      'ev-sse': { transport: 'sse', url: everythingSse.url },
      fx: { transport: 'http', url: fixture.url, credential: { header: 'Authorization', value: 'Bearer upstream-shared-token' }, timeouts: { request_ms: 1500 }, max_message_bytes: 64 * 1024 },
      perfx: { transport: 'http', url: fixture.url, credentials_per_consumer: { alice: { header: 'Authorization', value: 'Bearer alice-upstream' }, bob: { header: 'Authorization', value: 'Bearer bob-upstream' } } },
      dead: { transport: 'http', url: `http://127.0.0.1:${deadPort}/mcp` },
    },
  });
  servers = createUpstreams(cfg, { log });
});

after(async () => {
  await closeUpstreams(servers);
  await Promise.all([everything.close(), everythingSse.close(), fixture.close()]);
});

async function rejects(p: Promise<unknown>, code: string, re?: RegExp): Promise<WardenError> {
  const e = await p.then(
    () => assert.fail(`expected ${code}`),
    (err: unknown) => err,
  );
  assert.ok(isWardenError(e), `expected a WardenError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return e;
}

test('server-everything over Streamable HTTP: tools/list, a call, progress remapped back to the client token', async () => {
  const s = await get('ev').open(alice);
  assert.equal(s.transport, 'http');
  assert.equal(s.protocolVersion, '2025-11-25');
  const names = ((await s.request('tools/list', {})).tools as { name: string }[]).map((t) => t.name);
  assert.ok(names.includes('echo'));
  assert.equal(text(await s.request('tools/call', { name: 'echo', arguments: { message: 'via http' } })), 'Echo: via http');
  const tokens: unknown[] = [];
  await s.request('tools/call', { name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 }, _meta: { progressToken: 99 } }, { onNotification: (n) => tokens.push(n.params?.progressToken) });
  assert.deepEqual(tokens, [99, 99]);
  await s.close();
});

test('server-everything over the legacy HTTP+SSE transport', async () => {
  const s = await get('ev-sse').open(alice);
  assert.equal(s.transport, 'sse');
  assert.equal(text(await s.request('tools/call', { name: 'echo', arguments: { message: 'via sse' } })), 'Echo: via sse');
  await s.close();
});

test('the upstream sees Warden\'s progress token, never the client\'s; progress and the log line come back to the call', async () => {
  const s = await get('fx').open(alice);
  const seen: { method: string; params?: Record<string, unknown> }[] = [];
  const r = await s.request('tools/call', { name: 'notify_progress', arguments: {}, _meta: { progressToken: 'client-chosen' } }, { onNotification: (n) => seen.push(n) });
  assert.doesNotMatch(text(r), /client-chosen/);
  assert.deepEqual(seen.filter((n) => n.method === 'notifications/progress').map((n) => [n.params?.progressToken, n.params?.progress]), [['client-chosen', 1], ['client-chosen', 2], ['client-chosen', 3]]);
  assert.ok(seen.some((n) => n.method === 'notifications/message' && n.params?.data === 'fixture log'));
  await s.close();
});

test('the credential Warden holds is sent on every request, and closing the session sends DELETE upstream', async () => {
  const before = fixture.sessionCount();
  const s = await get('fx').open(alice);
  assert.equal(JSON.parse(text(await s.request('tools/call', { name: 'whoami', arguments: {} }))).authorization, 'Bearer upstream-shared-token');
  assert.equal(fixture.sessionCount(), before + 1);
  await s.close();
  assert.equal(fixture.sessionCount(), before);
});

test('per-consumer credentials: alice\'s calls never carry bob\'s token, even interleaved (ContextForge #1078)', async () => {
  const a = await get('perfx').open({ consumer: 'alice' });
  const b = await get('perfx').open({ consumer: 'bob' });
  const from = fixture.received.length;
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? b : a).request('tools/call', { name: 'whoami', arguments: {} }).then((r) => [i % 2 ? 'bob' : 'alice', JSON.parse(text(r)).authorization])));
  for (const [who, auth] of results) assert.equal(auth, `Bearer ${who}-upstream`);
  const sessionsOf = (token: string) => new Set(fixture.received.slice(from).filter((r) => r.authorization === token).map((r) => r.session));
  for (const sid of sessionsOf('Bearer alice-upstream')) assert.ok(!sessionsOf('Bearer bob-upstream').has(sid), 'one upstream session never serves two consumers');
  const e = await get('perfx').open({ consumer: 'mallory' }).catch((x: unknown) => x);
  assert.ok(isWardenError(e) && e.code === 'WARDEN_E_MCP_CREDENTIAL_MISSING');
  await a.close();
  await b.close();
});

test('an upstream that hangs: the call times out with a clear error, the session keeps working', async () => {
  const s = await get('fx').open(alice);
  const t0 = Date.now();
  await rejects(s.request('tools/call', { name: 'hang_http', arguments: {} }), 'WARDEN_E_MCP_UPSTREAM_TIMEOUT', /1500 ms/);
  assert.ok(Date.now() - t0 < 4000);
  assert.equal(text(await s.request('tools/call', { name: 'slow', arguments: { ms: 10 } })), 'slept 10');
  await s.close();
});

test('an upstream that answers garbage or HTML: a protocol error, not a crash or a hang', async () => {
  const s = await get('fx').open(alice);
  await rejects(s.request('tools/call', { name: 'garbage_http', arguments: {} }), 'WARDEN_E_MCP_UPSTREAM_PROTOCOL', /not JSON-RPC/);
  await rejects(s.request('tools/call', { name: 'html_http', arguments: {} }), 'WARDEN_E_MCP_UPSTREAM_PROTOCOL', /content type/);
  assert.equal(text(await s.request('tools/call', { name: 'slow', arguments: { ms: 1 } })), 'slept 1');
  await s.close();
});

test('an answer larger than max_message_bytes is cut off and ends the session', async () => {
  const s = await get('fx').open(alice);
  let lost: WardenError | undefined;
  s.onLost((r) => (lost = r));
  await rejects(s.request('tools/call', { name: 'huge_http', arguments: { bytes: 200_000 } }), 'WARDEN_E_MCP_UPSTREAM_PROTOCOL', /max_message_bytes/);
  assert.equal(lost?.code, 'WARDEN_E_MCP_UPSTREAM_PROTOCOL');
  await rejects(s.request('tools/list', {}), 'WARDEN_E_MCP_SESSION_LOST');
});

test('an upstream that forgets the session is re-initialized once and the call goes through', async () => {
  const s = await get('fx').open(alice);
  fixture.forgetSessions();
  assert.equal(text(await s.request('tools/call', { name: 'slow', arguments: { ms: 1 } })), 'slept 1');
  assert.ok(!s.lost);
  await s.close();
});

test('an upstream that forgets the session again right after re-initializing: the session is reported lost', async () => {
  const s = await get('fx').open(alice);
  let lost: WardenError | undefined;
  s.onLost((r) => (lost = r));
  fixture.forgetSessions();
  // Forget again as soon as the re-initialize completes, before the retried call.
  const forgetAfterInit = setInterval(() => {
    if (fixture.sessionCount() > 0) fixture.forgetSessions();
  }, 0);
  try {
    await rejects(s.request('tools/call', { name: 'slow', arguments: { ms: 1 } }), 'WARDEN_E_MCP_SESSION_LOST');
  } finally {
    clearInterval(forgetAfterInit);
  }
  assert.equal(lost?.code, 'WARDEN_E_MCP_SESSION_LOST');
  assert.ok(s.lost);
});

test('an upstream nobody listens on: open() fails naming the url setting', async () => {
  await rejects(get('dead').open(alice), 'WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', /mcp\.servers\.dead\.url/);
});

test('nothing Warden logged carries the upstream credentials', () => {
  const all = logs.join('');
  for (const secret of ['upstream-shared-token', 'alice-upstream', 'bob-upstream']) assert.ok(!all.includes(secret), secret);
});
