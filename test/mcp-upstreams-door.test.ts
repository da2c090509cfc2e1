/**
 * The upstream side seen through the MCP door, with the SDK's Client: per-consumer upstream
 * credentials never cross between users (ContextForge #1078), the client's Warden key never
 * reaches an upstream, and a stdio server that dies, floods or hangs mid-call gives the
 * client a JSON-RPC error while Warden goes on serving.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp } from './support/mcp.js';
import { startFixtureHttpServer, type FixtureHttpServer } from './fixtures/mcp/http-server.js';
import { MISBEHAVING_STDIO, startEverythingHttp, type RunningEverything } from './fixtures/mcp/everything.js';

let fixture: FixtureHttpServer;
let everything: RunningEverything;
let w: TestWarden;
const keys: Record<string, string> = {};

before(async () => {
  [fixture, everything] = await Promise.all([startFixtureHttpServer(), startEverythingHttp('streamableHttp')]);
  w = await startTestWarden({
    mcp: {
      servers: {
        evh: { transport: 'http', url: everything.url },
        fx: {
          transport: 'http',
          url: fixture.url,
          credentials_per_consumer: { alice: { header: 'Authorization', value: 'Bearer upstream-alice' }, bob: { header: 'Authorization', value: 'Bearer upstream-bob' } },
        },
        bad: { transport: 'stdio', command: process.execPath, args: [MISBEHAVING_STDIO], timeouts: { request_ms: 800 }, restart: { initial_ms: 50 }, max_message_bytes: 64 * 1024 },
      },
      grants: [{ consumers: ['alice', 'bob', 'carol'], tools: ['fx__*', 'bad__*', 'evh__echo', 'evh__trigger-long-running-operation'] }],
    },
  } as never);
  for (const c of ['alice', 'bob', 'carol']) keys[c] = w.key(c).key;
});

after(async () => {
  await w?.close();
  await Promise.all([fixture?.close(), everything?.close()]);
});

const textOf = (r: Record<string, unknown>) => ((r.content as { text?: string }[] | undefined)?.[0]?.text ?? '');

test('server-everything over Streamable HTTP through Warden: a call, and its progress relayed to the client', async () => {
  const s = await connectMcp(w.url, keys.alice, { path: '/mcp/evh' });
  try {
    assert.equal(textOf(await s.client.callTool({ name: 'echo', arguments: { message: 'over http' } })), 'Echo: over http');
    const progress: number[] = [];
    await s.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    assert.deepEqual(progress, [1, 2, 3]);
  } finally {
    await s.close();
  }
});

test('each consumer\'s calls run with its own upstream credential, interleaved; the Warden key never travels upstream', async () => {
  const [a, b] = [await connectMcp(w.url, keys.alice, { path: '/mcp/fx' }), await connectMcp(w.url, keys.bob, { path: '/mcp/fx' })];
  try {
    const from = fixture.received.length;
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a).client.callTool({ name: 'whoami', arguments: {} }).then((r) => [i % 2 ? 'bob' : 'alice', JSON.parse(textOf(r)).authorization])));
    for (const [who, auth] of runs) assert.equal(auth, `Bearer upstream-${who}`);
    const seen = fixture.received.slice(from).map((r) => r.authorization ?? '');
    assert.ok(seen.length >= 12);
    for (const k of Object.values(keys)) assert.ok(!seen.some((h) => h.includes(k)), 'a Warden key reached the upstream');
  } finally {
    await a.close();
    await b.close();
  }
});

test('a consumer without its own upstream credential is refused with the reason, never given another\'s', async () => {
  const c = await connectMcp(w.url, keys.carol, { path: '/mcp/fx' });
  try {
    const e = await c.client.callTool({ name: 'whoami', arguments: {} }).then(
      (x) => assert.fail(`answered ${JSON.stringify(x)}`),
      (err: Error) => err.message,
    );
    assert.match(e, /no credential for consumer "carol" \(mcp\.servers\.fx\.credentials_per_consumer\)/);
    assert.doesNotMatch(e, /upstream-(alice|bob)/);
  } finally {
    await c.close();
  }
});

test('a stdio server that dies mid-call: the client gets an error, not a hang, and Warden serves the next session', async () => {
  const s = await connectMcp(w.url, keys.alice, { path: '/mcp/bad' });
  const t0 = Date.now();
  const r = await s.client.callTool({ name: 'crash', arguments: {} }).then(
    (x) => ({ isError: x.isError === true, text: textOf(x) }),
    (e: Error) => ({ isError: true, text: e.message }),
  );
  await s.close();
  assert.equal(r.isError, true);
  assert.match(r.text, /exited|unavailable|MCP server "bad"/i);
  assert.ok(Date.now() - t0 < 5000);
  const again = await connectMcp(w.url, keys.alice, { path: '/mcp/bad' });
  try {
    assert.match(textOf(await again.client.callTool({ name: 'whoami', arguments: {} })), /"pid":\d+/);
  } finally {
    await again.close();
  }
});

test('a stdio server that floods or hangs: a clear error each time, and the server is usable afterwards', async () => {
  for (const [tool, reason] of [['flood', /max_message_bytes/], ['hang', /did not answer|timeouts/]] as const) {
    const s = await connectMcp(w.url, keys.bob, { path: '/mcp/bad' });
    const r = await s.client.callTool({ name: tool, arguments: {} }).then(
      (x) => ({ isError: x.isError === true, text: textOf(x) }),
      (e: Error) => ({ isError: true, text: e.message }),
    );
    await s.close();
    assert.equal(r.isError, true, tool);
    assert.match(r.text, reason, tool);
  }
  const ok = await connectMcp(w.url, keys.bob, { path: '/mcp/bad' });
  try {
    assert.match(textOf(await ok.client.callTool({ name: 'whoami', arguments: {} })), /"pid":\d+/);
  } finally {
    await ok.close();
  }
});

test('a client cancelling a call over Streamable HTTP: the upstream is told with notifications/cancelled, and the session goes on', async () => {
  const s = await connectMcp(w.url, keys.alice, { path: '/mcp/fx' });
  try {
    const from = fixture.received.length;
    const ac = new AbortController();
    const call = s.client.callTool({ name: 'slow', arguments: { ms: 30_000 } }, undefined, { signal: ac.signal });
    const until = Date.now() + 5_000;
    while (!fixture.received.slice(from).some((r) => r.method === 'tools/call') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    ac.abort(new Error('the user pressed Esc'));
    await assert.rejects(call);
    while (!fixture.received.slice(from).some((r) => r.method === 'notifications/cancelled') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fixture.received.slice(from).some((r) => r.method === 'notifications/cancelled'), 'the upstream heard of the cancellation');
    assert.match(textOf(await s.client.callTool({ name: 'whoami', arguments: {} })), /upstream-alice/);
  } finally {
    await s.close();
  }
});
