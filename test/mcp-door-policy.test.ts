/**
 * Argument policy at the MCP door, with the SDK client and server-everything (stdio):
 * CEL over `tool.arguments`, a `mcp__server__tool` permission rule meaning what it means at
 * the LLM door, `ask` delivered as an approval (isError result, or -32042 URL elicitation
 * when the client declared it), secrets in arguments, per-tool rate limits, progress
 * notifications relayed on the POST's stream, upstream crash/hang/garbage answered as
 * JSON-RPC errors, per-consumer upstream credentials never crossing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp, mcpPost, rawInitialize } from './support/mcp.js';
import { EVERYTHING_ENTRY, MISBEHAVING_STDIO } from './fixtures/mcp/everything.js';

const AWS_KEY = ['AKIA', 'ZQ7LPMN5HFIQR7XB'].join('');

describe('MCP door: argument policy, approvals, guards, limits, upstream faults', () => {
  let w: TestWarden;

  before(async () => {
    w = await startTestWarden({
      policy: {
        rules: [
          { id: 'no-secret-echo', when: 'door == "mcp" && tool.name == "echo" && tool.arguments.message.contains("forbidden")', action: 'deny', reason: 'echoing forbidden words is not allowed' },
          { id: 'sum-needs-ok', when: 'tool.name == "get-sum" && tool.arguments.a > 100', action: 'ask', reason: 'large sums need a human' },
        ],
        permissions: { deny: ['mcp__ev__get-env'] },
        approvals: { review_url: 'https://warden.example/approvals' },
      },
      limits: { rules: [{ id: 'echo-per-min', scope: 'consumer', match: { models: ['mcp__ev__echo'] }, requests: { limit: 5, window: '1m' } }] },
      mcp: {
        servers: {
          ev: { transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
          bad: { transport: 'stdio', command: process.execPath, args: [MISBEHAVING_STDIO], timeouts: { request_ms: 1500 }, credentials_per_consumer: { dev: { env: { FIXTURE_TOKEN: 'token-of-dev' } }, ops: { env: { FIXTURE_TOKEN: 'token-of-ops' } } } },
        },
        grants: [
          { consumers: ['dev', 'ops', 'limited'], tools: ['ev__*', 'bad__*'] },
        ],
      },
    } as never);
  });

  after(async () => {
    await w?.close();
  });

  test('CEL over tool.arguments denies one argument value and allows another', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const ok = await c.client.callTool({ name: 'ev__echo', arguments: { message: 'fine words' } });
      assert.match(JSON.stringify(ok.content), /fine words/);
      await assert.rejects(c.client.callTool({ name: 'ev__echo', arguments: { message: 'some forbidden words' } }), (e: any) => e.code === -32003 && /echoing forbidden words/.test(e.message));
    } finally {
      await c.close();
    }
  });

  test('a mcp__server__tool permission rule refuses the call (the same rule the LLM door applies) and hides the tool from tools/list', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const names = (await c.client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('ev__echo') && names.includes('ev__get-sum'), names.join());
      assert.ok(!names.includes('ev__get-env'), 'a tool denied by name is not listed (Kong 3.13.0.1 listed it)');
      await assert.rejects(c.client.callTool({ name: 'ev__get-env', arguments: {} }), (e: any) => e.code === -32003 && /mcp__ev__get-env|permission/.test(e.message + JSON.stringify(e.data)));
    } finally {
      await c.close();
    }
  });

  test('ask without URL elicitation: a tool result with isError naming the pending approval; once approved, the call runs', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const r = await c.client.callTool({ name: 'ev__get-sum', arguments: { a: 500, b: 1 } });
      assert.equal(r.isError, true);
      const text = JSON.stringify(r.content);
      const id = /approval (apr_[A-Za-z0-9_-]+)/.exec(text)?.[1];
      assert.ok(id, text);
      const decided = await w.warden.gateway.approvals.decide(id!, { status: 'approved', by: 'alice', via: 'cli', expires: Date.now() + 60_000, now: Date.now() });
      assert.equal(decided?.status, 'approved');
      const again = await c.client.callTool({ name: 'ev__get-sum', arguments: { a: 500, b: 1 } });
      assert.notEqual(again.isError, true, JSON.stringify(again));
      assert.match(JSON.stringify(again.content), /501/);
    } finally {
      await c.close();
    }
  });

  test('ask with URL elicitation declared: -32042 pointing at the approval', async () => {
    const c = await connectMcp(w.url, w.key('ops').key, { capabilities: { elicitation: { url: {} } } });
    try {
      await assert.rejects(c.client.callTool({ name: 'ev__get-sum', arguments: { a: 777, b: 1 } }), (e: any) => {
        assert.equal(e.code, -32042, String(e));
        const el = e.data?.elicitations?.[0];
        assert.equal(el?.mode, 'url');
        assert.equal(el?.url, 'https://warden.example/approvals');
        assert.match(el?.elicitationId, /^apr_/);
        return true;
      });
    } finally {
      await c.close();
    }
  });

  test('a secret in the arguments is redacted before the tool sees it', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const r = await c.client.callTool({ name: 'ev__echo', arguments: { message: `key ${AWS_KEY}` } });
      const text = JSON.stringify(r.content);
      assert.ok(!text.includes(AWS_KEY), text);
      assert.match(text, /REDACTED/);
    } finally {
      await c.close();
    }
  });

  test('per-tool rate limit: the sixth echo in a minute is refused, other tools are not', async () => {
    const c = await connectMcp(w.url, w.key('limited').key);
    try {
      for (let i = 0; i < 5; i++) await c.client.callTool({ name: 'ev__echo', arguments: { message: `n${i}` } });
      await assert.rejects(c.client.callTool({ name: 'ev__echo', arguments: { message: 'n6' } }), (e: any) => e.code === -32029);
      const sum = await c.client.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 1 } });
      assert.match(JSON.stringify(sum.content), /2/);
    } finally {
      await c.close();
    }
  });

  test('progress notifications reach the client on the POST\'s stream', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const seen: number[] = [];
      const r = await c.client.callTool({ name: 'ev__trigger-long-running-operation', arguments: { duration: 1, steps: 3 } }, undefined, { onprogress: (p) => seen.push(p.progress), timeout: 15_000 });
      assert.notEqual(r.isError, true);
      assert.deepEqual(seen, [1, 2, 3]);
    } finally {
      await c.close();
    }
  });

  test('per-consumer upstream credentials never cross', async () => {
    const a = await connectMcp(w.url, w.key('dev').key);
    const b = await connectMcp(w.url, w.key('ops').key);
    const none = await connectMcp(w.url, w.key('limited').key);
    try {
      const textOf = (r: unknown) => (r as { content: { text: string }[] }).content[0]!.text;
      const ra = JSON.parse(textOf(await a.client.callTool({ name: 'bad__whoami', arguments: {} })));
      const rb = JSON.parse(textOf(await b.client.callTool({ name: 'bad__whoami', arguments: {} })));
      assert.equal(ra.token, 'token-of-dev');
      assert.equal(rb.token, 'token-of-ops');
      await assert.rejects(none.client.callTool({ name: 'bad__whoami', arguments: {} }), (e: any) => /credential/i.test(e.message));
    } finally {
      await a.close();
      await b.close();
      await none.close();
    }
  });

  test('an upstream that hangs, answers garbage or crashes mid-call: JSON-RPC errors, Warden healthy', async () => {
    const devKey = w.key('dev').key;
    const c = await connectMcp(w.url, devKey);
    try {
      await assert.rejects(c.client.callTool({ name: 'bad__hang', arguments: {} }), (e: any) => e.code === -32001);
    } finally {
      await c.close();
    }
    // A crash ends the Warden session with its upstream: the next message on it is 404, never half alive.
    const sid = await rawInitialize(`${w.url}/mcp`, devKey);
    const crashed = await mcpPost(`${w.url}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'bad__crash', arguments: {} } }, { authorization: `Bearer ${devKey}`, 'mcp-session-id': sid });
    assert.equal(crashed.status, 200);
    assert.ok(crashed.json.error.code <= -32000, crashed.text);
    const after = await mcpPost(`${w.url}/mcp`, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { authorization: `Bearer ${devKey}`, 'mcp-session-id': sid });
    assert.equal(after.status, 404, after.text);
    for (const tool of ['bad__garbage', 'bad__crash']) {
      const d = await connectMcp(w.url, w.key('dev').key);
      try {
        await assert.rejects(d.client.callTool({ name: tool, arguments: {} }), (e: any) => typeof e.code === 'number' && e.code <= -32000, tool);
      } finally {
        await d.close();
      }
    }
    assert.equal((await fetch(`${w.url}/healthz`)).status, 200);
    // A new session gets a restarted process.
    const e = await connectMcp(w.url, w.key('dev').key);
    try {
      let ok = false;
      for (let i = 0; i < 40 && !ok; i++) {
        try {
          await e.client.callTool({ name: 'bad__whoami', arguments: {} });
          ok = true;
        } catch {
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      assert.ok(ok, 'the restarted server answers again');
    } finally {
      await e.close();
    }
  });
});
