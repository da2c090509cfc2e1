/**
 * stdio upstreams against real processes: server-everything and server-filesystem from npm,
 * and a fixture that crashes, floods, writes garbage or hangs on request.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isWardenError, type WardenError } from '../../../core/errors.js';
import { createLogger } from '../../../telemetry/log.js';
import { mcpSchema } from '../config.js';
import { closeUpstreams, createUpstreams, isJsonRpcErrorFromUpstream, type UpstreamServer } from './index.js';
import { EVERYTHING_ENTRY, FILESYSTEM_ENTRY, MISBEHAVING_STDIO } from '../../../../test/fixtures/mcp/everything.js';

const logs: Record<string, any>[] = [];
const log = createLogger('debug', (l) => void logs.push(JSON.parse(l)));
const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'warden-mcp-stdio-')));
writeFileSync(path.join(dir, 'inside.txt'), 'hello from inside');
process.env.WARDEN_TEST_PROVIDER_KEY = 'sk-ant-must-not-reach-children';

const misbehaving = { transport: 'stdio', command: process.execPath, args: [MISBEHAVING_STDIO], timeouts: { request_ms: 5000, connect_ms: 5000 }, restart: { initial_ms: 50, max_ms: 400 } };
const cfg = mcpSchema.parse({
  servers: {
    ev: { transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
    'ev-limited': { transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'], tools: { deny: ['get-env', 'trigger-*'] } },
    fs: { transport: 'stdio', command: process.execPath, args: [FILESYSTEM_ENTRY, dir] },
    bad: { ...misbehaving, max_message_bytes: 256 * 1024, credential: { env: { FIXTURE_TOKEN: 'shared-token-123456' } }, tools: { deny: ['secret_tool'] }, stderr: { max_lines_per_second: 5 } },
    peruser: { ...misbehaving, credentials_per_consumer: { alice: { env: { FIXTURE_TOKEN: 'alice-token-aaaa' } }, bob: { env: { FIXTURE_TOKEN: 'bob-token-bbbb' } } } },
    crashy: { ...misbehaving, restart: { initial_ms: 100, max_ms: 250, stable_ms: 60_000 } },
    missing: { transport: 'stdio', command: '/nonexistent/warden-mcp-test-binary', restart: { initial_ms: 50 } },
  },
});
const servers = createUpstreams(cfg, { log });
const get = (n: string) => servers.get(n) as UpstreamServer;
const alice = { consumer: 'alice' };
const text = (r: Record<string, unknown>) => ((r.content as { text: string }[])[0] as { text: string }).text;

after(async () => {
  await closeUpstreams(servers);
  rmSync(dir, { recursive: true, force: true });
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

test('server-everything over stdio: initialize, tools/list, a call, progress with the client\'s own token', async () => {
  const s = await get('ev').open(alice);
  assert.equal(s.serverInfo.name, 'mcp-servers/everything');
  assert.ok(s.serverCapabilities.tools);
  const names = ((await s.request('tools/list', {})).tools as { name: string }[]).map((t) => t.name);
  assert.ok(names.includes('echo') && names.includes('get-env'));
  assert.equal(text(await s.request('tools/call', { name: 'echo', arguments: { message: 'hi' } })), 'Echo: hi');
  const progress: unknown[] = [];
  await s.request('tools/call', { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 2 }, _meta: { progressToken: 'client-token-7' } }, { onNotification: (n) => progress.push(n.params?.progressToken) });
  assert.deepEqual(progress, ['client-token-7', 'client-token-7']);
  await s.close();
});

test('two sessions on one shared process choose the same progress token and the same ids: each gets only its own progress', async () => {
  const [a, b] = [await get('ev').open(alice), await get('ev').open({ consumer: 'bob' })];
  const seen = { a: [] as unknown[], b: [] as unknown[] };
  const call = (s: typeof a, into: unknown[], steps: number) => s.request('tools/call', { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps }, _meta: { progressToken: 1 } }, { onNotification: (n) => into.push(n.params?.total) });
  await Promise.all([call(a, seen.a, 2), call(b, seen.b, 3)]);
  assert.deepEqual(seen.a, [2, 2]);
  assert.deepEqual(seen.b, [3, 3, 3]);
  await a.close();
  await b.close();
});

test('the child gets a minimal environment: Warden\'s own variables (provider keys) never reach it', async () => {
  const s = await get('ev').open(alice);
  const env = JSON.parse(text(await s.request('tools/call', { name: 'get-env', arguments: {} })));
  assert.equal(env.WARDEN_TEST_PROVIDER_KEY, undefined);
  assert.ok(env.PATH);
  await s.close();
});

test('the server-wide ceiling: a denied tool is neither listed nor callable', async () => {
  const s = await get('ev-limited').open(alice);
  const names = ((await s.request('tools/list', {})).tools as { name: string }[]).map((t) => t.name);
  assert.ok(names.includes('echo'));
  assert.ok(!names.includes('get-env') && !names.some((n) => n.startsWith('trigger-')), names.join(','));
  await rejects(s.request('tools/call', { name: 'get-env', arguments: {} }), 'WARDEN_E_MCP_NAME_DENIED', /mcp\.servers\.ev-limited\.tools/);
  await rejects(s.request('tools/call', { arguments: {} }), 'WARDEN_E_MCP_NAME_DENIED');
  await s.close();
});

test('server-filesystem over stdio: reads inside its root; its own refusal outside the root is relayed', async () => {
  const s = await get('fs').open(alice);
  const ok = await s.request('tools/call', { name: 'read_text_file', arguments: { path: path.join(dir, 'inside.txt') } });
  assert.equal(text(ok), 'hello from inside');
  const outside = await s.request('tools/call', { name: 'read_text_file', arguments: { path: '/etc/hostname' } }).catch((e: unknown) => e);
  const said = isJsonRpcErrorFromUpstream(outside) ? outside.message : text(outside as Record<string, unknown>);
  assert.match(said, /outside allowed directories|Access denied/i);
  await s.close();
});

test('a server that dies mid-call fails that call at once, loses the session, and is restarted with a new process', async () => {
  const s = await get('bad').open(alice);
  const before = JSON.parse(text(await s.request('tools/call', { name: 'whoami' })));
  let lost: WardenError | undefined;
  s.onLost((r) => (lost = r));
  const t0 = Date.now();
  await rejects(s.request('tools/call', { name: 'crash' }), 'WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', /exited \(code 3\)/);
  assert.ok(Date.now() - t0 < 3000, 'the call failed, it did not hang');
  assert.ok(lost && s.lost);
  await rejects(s.request('tools/call', { name: 'whoami' }), 'WARDEN_E_MCP_SESSION_LOST');
  const s2 = await get('bad').open(alice);
  const again = JSON.parse(text(await s2.request('tools/call', { name: 'whoami' })));
  assert.notEqual(again.pid, before.pid);
  await s2.close();
});

test('supervised: a crashed process is started again by itself, after a backoff that doubles up to max_ms', async () => {
  const gone = () => logs.filter((l) => l.msg === 'mcp stdio server gone' && l.server === 'crashy').map((l) => l.restart_in_ms);
  const started = () => logs.filter((l) => l.msg === 'mcp stdio server started' && l.server === 'crashy').length;
  for (let i = 0; i < 3; i++) {
    const s = await get('crashy').open(alice);
    await rejects(s.request('tools/call', { name: 'crash' }), 'WARDEN_E_MCP_UPSTREAM_UNAVAILABLE');
  }
  assert.deepEqual(gone(), [100, 200, 250]);
  const before = started();
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(started(), before + 1, 'restarted without anyone asking');
});

test('a server that floods stdout is killed; the call fails naming max_message_bytes; the next session runs on a new process', async () => {
  const s = await get('bad').open(alice);
  const before = JSON.parse(text(await s.request('tools/call', { name: 'whoami' })));
  await rejects(s.request('tools/call', { name: 'flood' }), 'WARDEN_E_MCP_UPSTREAM_PROTOCOL', /max_message_bytes/);
  assert.ok(logs.some((l) => l.msg === 'mcp stdio server killed' && l.server === 'bad'));
  const s2 = await get('bad').open(alice);
  assert.notEqual(JSON.parse(text(await s2.request('tools/call', { name: 'whoami' }))).pid, before.pid);
  await s2.close();
});

test('a server that writes garbage on stdout is killed and restarted; the call fails with a clear error', async () => {
  const s = await get('bad').open(alice);
  await rejects(s.request('tools/call', { name: 'garbage' }), 'WARDEN_E_MCP_UPSTREAM_PROTOCOL', /not JSON/);
  const s2 = await get('bad').open(alice);
  assert.ok(JSON.parse(text(await s2.request('tools/call', { name: 'whoami' }))).pid);
  await s2.close();
});

test('a call the server never answers times out and is cancelled; the session stays usable', async () => {
  const s = await get('bad').open(alice);
  await rejects(s.request('tools/call', { name: 'hang' }, { timeoutMs: 300 }), 'WARDEN_E_MCP_UPSTREAM_TIMEOUT', /timeouts/);
  const ac = new AbortController();
  const p = s.request('tools/call', { name: 'hang' }, { signal: ac.signal });
  ac.abort(new Error('client went away'));
  await assert.rejects(p, /client went away/);
  assert.ok(JSON.parse(text(await s.request('tools/call', { name: 'whoami' }))).pid);
  await s.close();
});

test('the server\'s own JSON-RPC errors are relayed with code, message and data', async () => {
  const s = await get('bad').open(alice);
  await rejects(s.request('initialize', { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 'x', version: '1' } }), 'WARDEN_E_BAD_REQUEST', /already initialized/);
  const e = await s.request('tools/call', { name: 'no_such_tool' }).catch((x: unknown) => x);
  assert.ok(isJsonRpcErrorFromUpstream(e));
  assert.equal(e.code, -32602);
  assert.deepEqual(e.data, { tool: 'no_such_tool' });
  await s.close();
});

test('Warden declares no client capabilities upstream and answers a sampling request with -32601', async () => {
  const s = await get('bad').open(alice);
  assert.ok(logs.some((l) => l.server === 'bad' && l.line === 'client capabilities: {}'));
  const answer = JSON.parse(text(await s.request('tools/call', { name: 'ask_client' })));
  assert.equal(answer.code, -32601);
  await s.close();
});

test('a log notification goes to the one request in flight', async () => {
  const s = await get('bad').open(alice);
  const seen: unknown[] = [];
  await s.request('tools/call', { name: 'log', arguments: { tag: 'mine' } }, { onNotification: (n) => seen.push(n) });
  assert.deepEqual(seen, [{ method: 'notifications/message', params: { level: 'info', data: 'log for mine' } }]);
  await s.close();
});

test('stderr reaches the log bounded in rate, without control characters, with the credential scrubbed', async () => {
  const s = await get('bad').open(alice);
  const from = logs.length;
  await s.request('tools/call', { name: 'stderr_spam' });
  await new Promise((r) => setTimeout(r, 1200));
  await s.request('tools/call', { name: 'whoami' });
  const mine = logs.slice(from).filter((l) => l.server === 'bad');
  const lines = mine.filter((l) => l.msg === 'mcp server stderr');
  assert.ok(lines.length <= 10, `${lines.length} stderr lines logged`);
  assert.ok(mine.some((l) => l.msg === 'mcp server stderr lines dropped' && l.dropped > 400));
  assert.ok(lines.some((l) => l.line === 'token is [redacted] [31m red'), 'the line that carried the credential is logged scrubbed, ESC removed');
  assert.ok(!JSON.stringify(logs).includes('shared-token-123456'), 'the credential never reaches the log');
  await s.close();
});

test('per-consumer credentials: each consumer has its own process and token, interleaved calls never mix, others are refused', async () => {
  const a = await get('peruser').open({ consumer: 'alice' });
  const b = await get('peruser').open({ consumer: 'bob' });
  const calls = Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).request('tools/call', { name: 'whoami' }).then((r) => [i % 2 ? 'bob' : 'alice', JSON.parse(text(r))] as const));
  const results = await Promise.all(calls);
  for (const [who, r] of results) assert.equal(r.token, `${who}-token-${who === 'alice' ? 'aaaa' : 'bbbb'}`);
  assert.notEqual(results[0]![1].pid, results[1]![1].pid);
  await rejects(get('peruser').open({ consumer: 'carol' }), 'WARDEN_E_MCP_CREDENTIAL_MISSING', /carol/);
  await rejects(get('peruser').open({ consumer: '__proto__' }), 'WARDEN_E_MCP_CREDENTIAL_MISSING');
  await a.close();
  await b.close();
});

test('a command that cannot start fails open() naming the config key, and Warden stays up', async () => {
  await rejects(get('missing').open(alice), 'WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', /ENOENT.*mcp\.servers\.missing\.command/);
  await rejects(get('missing').open(alice), 'WARDEN_E_MCP_UPSTREAM_UNAVAILABLE');
});
