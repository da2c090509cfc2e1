/**
 * The MCP door's transport and bad input, each answered in JSON-RPC with the status the
 * transport wants, and the process healthy afterwards: auth (401 + RFC 9728, no fall-through
 * for fabricated tokens), sessions (missing, unknown, stolen, deleted, expired), malformed
 * JSON-RPC, batches, header/body mismatch, Origin and Host, server/discover, sizes.
 */
import { after, before, describe, test } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp, mcpPost, rawInitialize } from './support/mcp.js';
import { EVERYTHING_ENTRY } from './fixtures/mcp/everything.js';

const require = createRequire(import.meta.url);
const call = (id: number, name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

describe('MCP door: transport and bad input', () => {
  let w: TestWarden;
  let url: string;
  let key: string;
  let other: string;

  before(async () => {
    w = await startTestWarden({
      mcp: {
        servers: { ev: { transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] } },
        grants: [{ consumers: ['dev', 'eve'], tools: ['ev__echo'] }],
        max_argument_bytes: 2048,
        session_idle_ms: 1500,
        allowed_origins: ['http://localhost:6274'],
      },
    } as never);
    url = `${w.url}/mcp`;
    key = w.key('dev').key;
    other = w.key('eve').key;
  });

  after(async () => {
    await w?.close();
  });

  test('no credential: 401 with WWW-Authenticate pointing at the protected-resource metadata, served path-inserted and at the root', async () => {
    const r = await mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
    assert.equal(r.status, 401);
    const meta = `${w.url}/.well-known/oauth-protected-resource/mcp`;
    assert.equal(r.headers.get('www-authenticate'), `Bearer resource_metadata="${meta}"`);
    assert.equal(r.json.error.data.warden_code, 'WARDEN_E_AUTH_MISSING');
    for (const u of [meta, `${w.url}/.well-known/oauth-protected-resource`]) {
      const m = await fetch(u);
      assert.equal(m.status, 200, u);
      const doc = (await m.json()) as { resource: string; bearer_methods_supported: string[] };
      assert.equal(doc.resource, `${w.url}/mcp`);
      assert.deepEqual(doc.bearer_methods_supported, ['header']);
    }
    const per = (await (await fetch(`${w.url}/.well-known/oauth-protected-resource/mcp/ev`)).json()) as { resource: string };
    assert.equal(per.resource, `${w.url}/mcp/ev`);
  });

  test('a fabricated or malformed token never falls through: initialize and tools/call are 401', async () => {
    const fake = ['eyJhbGciOiJub25lIn0', 'eyJzdWIiOiJhZG1pbiJ9', ''].join('.');
    const sid = await rawInitialize(url, key);
    for (const token of [fake, 'wdn_not-a-real-key', 'x'.repeat(300)]) {
      const init = await mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { authorization: `Bearer ${token}` });
      assert.equal(init.status, 401, token);
      assert.match(init.headers.get('www-authenticate')!, /error="invalid_token"/);
      const c = await mcpPost(url, call(2, 'ev__echo', { message: 'x' }), { authorization: `Bearer ${token}`, 'mcp-session-id': sid });
      assert.equal(c.status, 401, token);
      assert.ok(!c.text.includes(token.slice(0, 40)) || token.length < 8, 'the token is not echoed');
    }
  });

  test('malformed JSON-RPC: parse error, batch, missing method, bad id, bad params → 400 with a JSON-RPC error', async () => {
    const sid = await rawInitialize(url, key);
    const h = { authorization: `Bearer ${key}`, 'mcp-session-id': sid };
    const cases: [unknown, number, RegExp][] = [
      ['{"jsonrpc":"2.0","id":1,"method":', -32700, /not valid JSON/],
      [[call(1, 'ev__echo'), call(2, 'ev__echo')], -32600, /batches are not supported/],
      [{ jsonrpc: '2.0', id: 1 }, -32600, /"method"/],
      [{ jsonrpc: '1.0', id: 1, method: 'ping' }, -32600, /"jsonrpc"/],
      [{ jsonrpc: '2.0', id: { a: 1 }, method: 'ping' }, -32600, /"id"/],
      [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: [1, 2] }, -32600, /"params"/],
      ['{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}', -32600, /duplicate key/],
    ];
    for (const [body, code, msg] of cases) {
      const r = await mcpPost(url, body, h);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.jsonrpc, '2.0');
      assert.equal(r.json.error.code, code, JSON.stringify(body));
      assert.match(r.json.error.message, msg);
    }
  });

  test('sessions: missing → 400, unknown → 404, another key\'s → 404, deleted → 404, idle → 404', async () => {
    const h = { authorization: `Bearer ${key}` };
    assert.equal((await mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, h)).status, 400);
    const unknown = await mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...h, 'mcp-session-id': 'no-such-session' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.data.warden_code, 'WARDEN_E_MCP_SESSION_UNKNOWN');
    const sid = await rawInitialize(url, key);
    const stolen = await mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { authorization: `Bearer ${other}`, 'mcp-session-id': sid });
    assert.equal(stolen.status, 404, 'a session is bound to the key that created it');
    const mine = await mcpPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...h, 'mcp-session-id': sid });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.json.result.tools.map((t: { name: string }) => t.name), ['ev__echo']);
    const del = await fetch(url, { method: 'DELETE', headers: { ...h, 'mcp-session-id': sid } });
    assert.equal(del.status, 200);
    assert.equal((await mcpPost(url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { ...h, 'mcp-session-id': sid })).status, 404);
    const idle = await rawInitialize(url, key);
    await new Promise((r) => setTimeout(r, 1700));
    assert.equal((await mcpPost(url, { jsonrpc: '2.0', id: 4, method: 'ping' }, { ...h, 'mcp-session-id': idle })).status, 404);
  });

  test('Mcp-Method / Mcp-Name that disagree with the body: 400 with -32020; the audit records the mismatch', async () => {
    const sid = await rawInitialize(url, key);
    const h = { authorization: `Bearer ${key}`, 'mcp-session-id': sid };
    const m1 = await mcpPost(url, call(1, 'ev__echo', { message: 'a' }), { ...h, 'mcp-method': 'tools/list' });
    assert.equal(m1.status, 400);
    assert.equal(m1.json.error.code, -32020);
    const m2 = await mcpPost(url, call(2, 'ev__echo', { message: 'a' }), { ...h, 'mcp-method': 'tools/call', 'mcp-name': 'ev__get-env' });
    assert.equal(m2.status, 400);
    assert.equal(m2.json.error.code, -32020);
    const ok = await mcpPost(url, call(3, 'ev__echo', { message: 'agree' }), { ...h, 'mcp-method': 'tools/call', 'mcp-name': 'ev__echo' });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /agree/);
  });

  test('an invalid Origin is 403; a non-loopback Host on a loopback listener is 403', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} };
    const o = await mcpPost(url, init, { authorization: `Bearer ${key}`, origin: 'https://evil.example' });
    assert.equal(o.status, 403);
    assert.equal(o.json.error.data.warden_code, 'WARDEN_E_MCP_ORIGIN');
    const good = { ...init, params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    // On this loopback listener its own loopback origin is same-origin, and a configured one passes.
    assert.equal((await mcpPost(url, good, { authorization: `Bearer ${key}`, origin: w.url })).status, 200);
    assert.equal((await mcpPost(url, good, { authorization: `Bearer ${key}`, origin: 'http://localhost:6274' })).status, 200);
    // Another local page is another origin.
    const local = await mcpPost(url, good, { authorization: `Bearer ${key}`, origin: 'http://localhost:3000' });
    assert.equal(local.status, 403);
    assert.match(local.json.error.message, /mcp\.allowed_origins/);
    const port = new URL(w.url).port;
    const raw = (host: string, origin?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = require('node:http').request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { host, ...(origin ? { origin } : {}), authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res: any) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(good));
      });
    // DNS rebinding: the attacker's name as Host, and as Origin too — "Origin equals Host" proves nothing.
    for (const [host, origin] of [[`evil.example:${port}`, undefined], [`evil.example:${port}`, `http://evil.example:${port}`], [`127.0.0.1.evil.example:${port}`, undefined]] as const) {
      const r = await raw(host, origin);
      assert.equal(r.status, 403, `${host} ${origin}`);
      assert.match(r.body, /not a loopback name/);
    }
    assert.equal((await raw(`localhost:${port}`, `http://localhost:${port}`)).status, 200, 'localhost is a loopback name too');
  });

  test('server/discover is answered 400 with a body that is not a modern error (Claude Code falls back)', async () => {
    // On the aggregate and the per-server endpoint alike (Claude Code may be pointed at either), with the modern headers it sends.
    for (const u of [url, `${url}/ev`]) {
      const r = await mcpPost(u, { jsonrpc: '2.0', id: 1, method: 'server/discover', params: {} }, { authorization: `Bearer ${key}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' });
      assert.equal(r.status, 400, u);
      assert.ok(![-32601, -32022].includes(r.json.error.code), JSON.stringify(r.json));
      assert.equal(r.json.error.code, -32600);
      assert.equal(r.json.result, undefined);
      assert.equal(r.headers.get('mcp-session-id'), null, 'no session is opened');
    }
  });

  test('oversized arguments, unknown methods, unknown tools and verbs: JSON-RPC errors naming what to fix', async () => {
    const sid = await rawInitialize(url, key);
    const h = { authorization: `Bearer ${key}`, 'mcp-session-id': sid };
    const big = await mcpPost(url, call(1, 'ev__echo', { message: 'x'.repeat(5000) }), h);
    assert.equal(big.status, 200);
    assert.equal(big.json.error.data.warden_code, 'WARDEN_E_MCP_ARGUMENT_REFUSED');
    assert.match(big.json.error.message, /mcp\.max_argument_bytes/);
    const unknownMethod = await mcpPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/frobnicate' }, h);
    assert.equal(unknownMethod.json.error.code, -32601);
    const noServer = await mcpPost(url, call(3, 'echo', {}), h);
    assert.equal(noServer.json.error.code, -32602);
    const get = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
    assert.equal(get.status, 400, 'GET without a session');
    const put = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${key}` } });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST, DELETE');
  });

  test('after all of it the process is healthy and a real client still works', async () => {
    assert.equal((await fetch(`${w.url}/healthz`)).status, 200);
    const c = await connectMcp(w.url, key);
    try {
      const r = await c.client.callTool({ name: 'ev__echo', arguments: { message: 'still fine' } });
      assert.match(JSON.stringify(r.content), /still fine/);
    } finally {
      await c.close();
    }
  });
});
