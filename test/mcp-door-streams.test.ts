/**
 * What a server says besides answers, and who hears it. (1) A stdio server shared by two
 * consumers: a log line it writes cannot be tied to the call that caused it, so once a second
 * consumer has used the process no stray line is relayed — never alice's line on bob's call or
 * stream. (2) The GET stream of a client that stops reading is ended at
 * `mcp.stream_buffer_bytes`, never buffered without bound; the client can reopen it.
 * Real SDK clients, a real stdio server, a raw socket for the client that never reads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp, mcpPost, rawInitialize } from './support/mcp.js';
import { MISBEHAVING_STDIO } from './fixtures/mcp/everything.js';

const LIMIT = 64 * 1024;
const stdio = { transport: 'stdio', command: process.execPath, args: [MISBEHAVING_STDIO], timeouts: { request_ms: 10_000 } };

describe('MCP door: notifications per consumer, bounded streams', () => {
  let w: TestWarden;
  const logged: { m: string; f: Record<string, unknown> }[] = [];

  before(async () => {
    w = await startTestWarden({
      mcp: {
        servers: { shared: stdio, solo: stdio },
        grants: [{ consumers: ['alice', 'bob'], tools: ['shared__*'] }, { consumers: ['carol'], tools: ['solo__*'] }],
        stream_buffer_bytes: LIMIT,
      },
    } as never);
    const log = w.warden.gateway.log as unknown as Record<string, (m: string, f?: Record<string, unknown>) => void>;
    for (const level of ['info', 'warn']) {
      const orig = log[level]!;
      log[level] = (m, f) => (logged.push({ m, f: f ?? {} }), orig(m, f));
    }
  });

  after(async () => {
    await w?.close();
  });

  test('a shared stdio server: one consumer\'s log lines never reach another, on a call or on the GET stream', async () => {
    const alice = await connectMcp(w.url, w.key('alice').key);
    const bob = await connectMcp(w.url, w.key('bob').key);
    const heard = { alice: [] as string[], bob: [] as string[] };
    alice.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void heard.alice.push(String(n.params.data)));
    bob.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void heard.bob.push(String(n.params.data)));
    try {
      // While alice is the process's only consumer, its log line reaches her call.
      await alice.client.callTool({ name: 'shared__log', arguments: { tag: 'alice-alone' } });
      assert.deepEqual(heard.alice, ['log for alice-alone']);
      // Bob uses the same process: from now on it serves two consumers.
      await bob.client.callTool({ name: 'shared__whoami', arguments: {} });
      // Alice's server logs after it answered, while bob's call is the only one in flight.
      await alice.client.callTool({ name: 'shared__log_later', arguments: { tag: 'alice-secret', ms: 300 } });
      const r = await bob.client.callTool({ name: 'shared__sleep', arguments: { ms: 1200 } });
      assert.match(JSON.stringify(r.content), /slept/);
      // And once more with nothing in flight (the line would go to the GET streams).
      await alice.client.callTool({ name: 'shared__log_later', arguments: { tag: 'alice-secret-2', ms: 50 } });
      await new Promise((res) => setTimeout(res, 500));
      assert.deepEqual(heard.bob, [], `bob heard ${JSON.stringify(heard.bob)}`);
      assert.deepEqual(heard.alice, ['log for alice-alone'], 'a line that cannot be tied to its caller reaches no one');
      assert.ok(logged.some((l) => l.m === 'mcp stdio server shared by several consumers: its log lines are no longer relayed to clients' && l.f.server === 'shared'));
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('a client that never reads its GET stream loses it at mcp.stream_buffer_bytes; memory stays bounded and it can reopen', { timeout: 60_000 }, async () => {
    const key = w.key('carol').key;
    const url = `${w.url}/mcp`;
    const sid = await rawInitialize(url, key);
    const h = { authorization: `Bearer ${key}`, 'mcp-session-id': sid };
    const port = Number(new URL(w.url).port);
    // GET, read the headers, then never read again.
    const sock: Socket = connect(port, '127.0.0.1');
    sock.write(`GET /mcp HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${key}\r\naccept: text/event-stream\r\nmcp-session-id: ${sid}\r\n\r\n`);
    const head = await new Promise<string>((resolve) => {
      let seen = '';
      const on = (d: Buffer) => {
        seen += d.toString('latin1');
        if (!seen.includes('\r\n\r\n')) return;
        sock.off('data', on);
        sock.pause();
        resolve(seen);
      };
      sock.on('data', on);
    });
    assert.match(head, /^HTTP\/1\.1 200/);
    try {
      const busy = await mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'solo__whoami', arguments: {} } }, h);
      assert.equal(busy.status, 200);
      assert.equal((await fetch(url, { headers: { ...h, accept: 'text/event-stream' } })).status, 409, 'the stream is open');
      // 12 MB of log lines, not tied to any call: they all go to the GET stream nobody reads.
      const burst = await mcpPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'solo__log_burst', arguments: { count: 120, bytes: 100_000, ms: 50 } } }, h);
      assert.match(burst.text, /burst coming/);
      const deadline = Date.now() + 45_000;
      let ended: { m: string; f: Record<string, unknown> } | undefined;
      while (!(ended = logged.find((l) => l.m === 'MCP GET stream ended: the client is not reading')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(ended, 'the stream was ended');
      assert.equal(ended.f.consumer, 'carol');
      assert.ok(Number(ended.f.unread_bytes) > LIMIT && Number(ended.f.unread_bytes) <= LIMIT + 101_000 + 1024, `held ${ended.f.unread_bytes} bytes unread`);
      // The session lives on: a new GET is accepted, and calls work.
      const again = await fetch(url, { headers: { ...h, accept: 'text/event-stream' } });
      assert.equal(again.status, 200);
      await again.body?.cancel();
      const ok = await mcpPost(url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'solo__whoami', arguments: {} } }, h);
      assert.match(ok.text, /pid/);
    } finally {
      sock.destroy();
    }
  });
});
