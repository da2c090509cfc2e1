/**
 * Grants name their kind: a grant written for tools — `conf__*`, `*__test_simple_text`, even
 * `*` — opens no prompt and no resource. Prompts and resources are granted by `prompts:` and
 * `resources:` lists, enforced on list and again on get, read, subscribe and completion
 * (hiding is not enforcing). Real SDK client, the conformance fixture server over HTTP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp, mcpPost, rawInitialize } from './support/mcp.js';
import { startConformanceFixture, type ConformanceFixture } from './fixtures/mcp/conformance-server.js';

let fixture: ConformanceFixture;
let w: TestWarden;

before(async () => {
  fixture = await startConformanceFixture();
  w = await startTestWarden({
    mcp: {
      servers: { conf: { transport: 'http', url: fixture.url } },
      grants: [
        { consumers: ['tooly'], tools: ['conf__*'] },
        { consumers: ['wild'], tools: ['*__test_simple_text'] },
        { consumers: ['star'], tools: ['*'] },
        { consumers: ['reader'], tools: ['conf__test_simple_text'], prompts: ['conf__test_simple_prompt'], resources: ['conf__test://static-text', 'conf__test://template/*'] },
      ],
    },
  } as never);
});

after(async () => {
  await w?.close();
  await fixture?.close();
});

const STATIC = 'warden+mcp://conf/test://static-text';
const code = (e: unknown) => (e as { code?: number }).code;

for (const who of ['tooly', 'wild', 'star']) {
  test(`a tool grant (${who}) opens no prompt and no resource: not announced, lists and reads refused explicitly`, async () => {
    const c = await connectMcp(w.url, w.key(who).key);
    try {
      const caps = c.client.getServerCapabilities()!;
      assert.ok(caps.tools);
      assert.equal(caps.prompts, undefined, 'prompts not announced');
      assert.equal(caps.resources, undefined, 'resources not announced');
      assert.ok((await c.client.listTools()).tools.some((t) => t.name === 'conf__test_simple_text'));
      const refusals: [string, Promise<unknown>][] = [
        ['prompts/list', c.client.listPrompts()],
        ['resources/list', c.client.listResources()],
        ['resources/templates/list', c.client.listResourceTemplates()],
        ['prompts/get', c.client.getPrompt({ name: 'conf__test_simple_prompt' })],
        ['resources/read', c.client.readResource({ uri: STATIC })],
        ['resources/read template', c.client.readResource({ uri: 'warden+mcp://conf/test://template/7/data' })],
        ['resources/subscribe', c.client.subscribeResource({ uri: STATIC })],
        ['completion/complete', c.client.complete({ ref: { type: 'ref/prompt', name: 'conf__test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'a' } })],
      ];
      for (const [what, p] of refusals) {
        const e = await p.then(() => undefined, (x: unknown) => x);
        assert.ok(e, `${what} must be refused`);
        assert.equal(code(e), -32003, `${what}: ${String(e)}`);
        assert.match(String(e), /no MCP (prompts|resources) are granted/, what);
      }
    } finally {
      await c.close();
    }
  });
}

test('prompts and resources granted by name: lists filtered, get and read checked again', async () => {
  const c = await connectMcp(w.url, w.key('reader').key);
  try {
    const caps = c.client.getServerCapabilities()!;
    assert.ok(caps.prompts && caps.resources);
    assert.deepEqual((await c.client.listPrompts()).prompts.map((p) => p.name), ['conf__test_simple_prompt']);
    assert.deepEqual((await c.client.listResources()).resources.map((r) => r.uri), [STATIC]);
    assert.deepEqual((await c.client.listResourceTemplates()).resourceTemplates.map((r) => r.uriTemplate), ['warden+mcp://conf/test://template/{id}/data']);
    assert.ok((await c.client.getPrompt({ name: 'conf__test_simple_prompt' })).messages.length > 0);
    assert.match(JSON.stringify((await c.client.readResource({ uri: STATIC })).contents), /static text resource/);
    assert.match(JSON.stringify((await c.client.readResource({ uri: 'warden+mcp://conf/test://template/7/data' })).contents), /Data for ID: 7/);
    // Not listed, and not reachable by asking for it anyway.
    for (const p of [c.client.getPrompt({ name: 'conf__test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } }), c.client.readResource({ uri: 'warden+mcp://conf/test://watched-resource' }), c.client.subscribeResource({ uri: 'warden+mcp://conf/test://watched-resource' }), c.client.complete({ ref: { type: 'ref/prompt', name: 'conf__test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'a' } })]) {
      const e = await p.then(() => undefined, (x: unknown) => x);
      assert.equal(code(e), -32003, String(e));
      assert.match(String(e), /is not granted to consumer "reader" \(mcp\.grants\[\]\.(prompts|resources)\)/);
    }
    // A prompt grant is no tool grant and the reverse.
    assert.deepEqual((await c.client.listTools()).tools.map((t) => t.name), ['conf__test_simple_text']);
  } finally {
    await c.close();
  }
});

test('the per-server endpoint follows the same rule: a tool grant on /mcp/conf reads no resource', async () => {
  const key = w.key('tooly').key;
  const sid = await rawInitialize(`${w.url}/mcp/conf`, key);
  const r = await mcpPost(`${w.url}/mcp/conf`, { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'test://static-text' } }, { authorization: `Bearer ${key}`, 'mcp-session-id': sid });
  assert.equal(r.json.error.code, -32003);
  assert.equal(r.json.error.data.warden_code, 'WARDEN_E_MCP_NO_GRANTS');
  assert.ok(!r.text.includes('static text resource'));
});
