/**
 * The MCP door in front of server-everything over Streamable HTTP and over the legacy
 * HTTP+SSE transport (both the real npm server, bound to loopback), with the SDK client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp } from './support/mcp.js';
import { startEverythingHttp, type RunningEverything } from './fixtures/mcp/everything.js';

describe('MCP door: server-everything over HTTP upstreams', () => {
  let w: TestWarden;
  let http: RunningEverything;
  let sse: RunningEverything;

  before(async () => {
    http = await startEverythingHttp('streamableHttp');
    sse = await startEverythingHttp('sse');
    w = await startTestWarden({
      mcp: {
        servers: { evh: { transport: 'http', url: http.url }, evs: { transport: 'sse', url: sse.url } },
        grants: [{ consumers: ['dev'], tools: ['evh__echo', 'evh__trigger-long-running-operation', 'evs__get-sum'], prompts: ['evh__*', 'evs__*'], resources: ['evh__*', 'evs__*'] }],
      },
    } as never);
  });

  after(async () => {
    await w?.close();
    await http?.close();
    await sse?.close();
  });

  test('aggregate list over both transports, calls through each, progress relayed from the HTTP upstream', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const names = (await c.client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(names, ['evh__echo', 'evh__trigger-long-running-operation', 'evs__get-sum']);
      assert.match(JSON.stringify((await c.client.callTool({ name: 'evh__echo', arguments: { message: 'over http' } })).content), /over http/);
      assert.match(JSON.stringify((await c.client.callTool({ name: 'evs__get-sum', arguments: { a: 20, b: 22 } })).content), /42/);
      const seen: number[] = [];
      await c.client.callTool({ name: 'evh__trigger-long-running-operation', arguments: { duration: 1, steps: 2 } }, undefined, { onprogress: (p) => seen.push(p.progress), timeout: 15_000 });
      assert.deepEqual(seen, [1, 2]);
    } finally {
      await c.close();
    }
  });

  test('resources and prompts are namespaced on /mcp and read back through the namespaced URI', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const { resources } = await c.client.listResources();
      assert.ok(resources.length > 0);
      assert.ok(resources.every((r) => /^warden\+mcp:\/\/(evh|evs)\//.test(r.uri)), resources[0]?.uri);
      const read = await c.client.readResource({ uri: resources[0]!.uri });
      assert.equal(read.contents[0]!.uri, resources[0]!.uri);
      const { prompts } = await c.client.listPrompts();
      assert.ok(prompts.length > 0 && prompts.every((p) => /^(evh|evs)__/.test(p.name)));
    } finally {
      await c.close();
    }
  });
});
