/**
 * Resources through the MCP door (in front of the SDK conformance fixture over HTTP): URIs
 * namespaced on /mcp and read back, and the guards on what a resource returns — a secret in
 * the contents is masked before the agent (and its LLM provider) sees it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp } from './support/mcp.js';
import { startConformanceFixture, type ConformanceFixture } from './fixtures/mcp/conformance-server.js';

const AWS_KEY = ['AKIA', 'ZQ7LPMN5HFIQR7XB'].join('');
let fixture: ConformanceFixture;
let w: TestWarden;

before(async () => {
  fixture = await startConformanceFixture();
  w = await startTestWarden({ mcp: { servers: { conf: { transport: 'http', url: fixture.url } }, grants: [{ consumers: ['dev'], tools: ['conf__*'], resources: ['conf__*'] }] } } as never);
});

after(async () => {
  await w?.close();
  await fixture?.close();
});

test('a resource read through a namespaced template URI comes back with the secret in it masked', async () => {
  const c = await connectMcp(w.url, w.key('dev').key);
  try {
    const { resourceTemplates } = await c.client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ['warden+mcp://conf/test://template/{id}/data']);
    const uri = `warden+mcp://conf/test://template/${AWS_KEY}/data`;
    const r = await c.client.readResource({ uri });
    // Every string of the contents is guarded, the echoed URI too.
    assert.equal(r.contents[0]!.uri, 'warden+mcp://conf/test://template/[REDACTED:aws-access-token]/data');
    const text = String((r.contents[0] as { text?: string }).text);
    assert.ok(!text.includes(AWS_KEY), text);
    assert.match(text, /REDACTED/);
    await assert.rejects(c.client.readResource({ uri: 'test://template/1/data' }), /names no server/);
  } finally {
    await c.close();
  }
});
