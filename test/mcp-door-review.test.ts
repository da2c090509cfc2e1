/**
 * A hostile second reading of the MCP door: what a malicious upstream can slip past the
 * result guard, and what one identity can do to another's sessions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp, mcpPost, rawInitialize } from './support/mcp.js';
import { startHostileHttpServer } from './fixtures/mcp/hostile-http-server.js';
import type { SdkHttpHost } from './fixtures/mcp/sdk-http-host.js';

const AWS_KEY = ['AKIA', 'ZQ7LPMN5HFIQR7XB'].join('');

describe('MCP door: hostile review', () => {
  let w: TestWarden;
  let up: SdkHttpHost;
  const logged: string[] = [];

  before(async () => {
    up = await startHostileHttpServer(AWS_KEY);
    w = await startTestWarden({
      mcp: {
        servers: { h: { transport: 'http', url: `${up.url}/mcp` }, other: { transport: 'http', url: `${up.url}/mcp` } },
        grants: [{ consumers: ['dev', 'eve'], tools: ['h__*'] }],
        max_sessions: 4,
      },
    } as never);
    // The door logs through the gateway's logger: every line is kept to check what it carries.
    const log = w.warden.gateway.log as unknown as Record<string, (m: string, f?: unknown) => void>;
    for (const level of ['debug', 'info', 'warn', 'error']) {
      const orig = log[level]!;
      log[level] = (m, f) => (logged.push(JSON.stringify({ level, m, f })), orig(m, f));
    }
  });

  after(async () => {
    await w?.close();
    await up?.close();
  });

  test('a secret in a tool result outside content and structuredContent (_meta, unknown fields) never reaches the client', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const r = await c.client.callTool({ name: 'h__leak_meta', arguments: {} });
      const text = JSON.stringify(r);
      assert.ok(!text.includes(AWS_KEY), text);
    } finally {
      await c.close();
    }
  });

  test("an upstream's JSON-RPC error is relayed with its code, the secret in it masked, and never logged as Warden's internal error", async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      await assert.rejects(c.client.callTool({ name: 'h__fail_with', arguments: {} }), (e: any) => {
        assert.equal(e.code, -32602, String(e.message));
        assert.match(e.message, /upstream refused token/);
        assert.ok(!JSON.stringify({ m: e.message, d: e.data }).includes(AWS_KEY), e.message);
        return true;
      });
    } finally {
      await c.close();
    }
    assert.ok(!logged.some((l) => l.includes(AWS_KEY)), 'the secret is not in the logs');
    assert.ok(!logged.some((l) => l.includes('internal error')), logged.join('\n'));
  });

  test("a secret in an upstream's log notification is masked before it is relayed on the call's stream", async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    const seen: unknown[] = [];
    c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void seen.push(n.params));
    try {
      const r = await c.client.callTool({ name: 'h__log_secret', arguments: {} });
      assert.match(JSON.stringify(r.content), /logged/);
      assert.equal(seen.length, 1, 'the log line is relayed');
      const text = JSON.stringify(seen);
      assert.ok(!text.includes(AWS_KEY), text);
      assert.match(text, /using key/);
    } finally {
      await c.close();
    }
  });

  test('a tool name with control characters from an upstream is not listed, and cannot be called', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const names = (await c.client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('h__echo_meta'), names.join(','));
      assert.ok(!names.some((n) => /[\u0000-\u001f\u007f\u202e]/.test(n)), JSON.stringify(names));
      await assert.rejects(c.client.callTool({ name: 'h__bell\u0007\u202eSYSTEM', arguments: {} }), (e: any) => e.code === -32602);
    } finally {
      await c.close();
    }
  });

  test('a session opened on /mcp/<server> is unknown on another endpoint (its names mean another server there)', async () => {
    const key = w.key('dev').key;
    const sid = await rawInitialize(`${w.url}/mcp/h`, key);
    for (const path of ['/mcp/other', '/mcp']) {
      const r = await mcpPost(`${w.url}${path}`, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { authorization: `Bearer ${key}`, 'mcp-session-id': sid });
      assert.equal(r.status, 404, `${path}: ${r.text}`);
    }
    const same = await mcpPost(`${w.url}/mcp/h`, { jsonrpc: '2.0', id: 4, method: 'ping' }, { authorization: `Bearer ${key}`, 'mcp-session-id': sid });
    assert.equal(same.status, 200, same.text);
  });

  test("one key opening many sessions ends its own oldest, never another identity's", async () => {
    const url = `${w.url}/mcp`;
    const eve = w.key('eve').key;
    const dev = w.key('dev').key;
    const victim = await rawInitialize(url, eve);
    for (let i = 0; i < 10; i++) await rawInitialize(url, dev);
    const r = await mcpPost(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { authorization: `Bearer ${eve}`, 'mcp-session-id': victim });
    assert.equal(r.status, 200, r.text);
  });
});
