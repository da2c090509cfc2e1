/**
 * notifications/tools/list_changed from an upstream reaches the client on its GET stream, for
 * servers its grants reach only, and the list it then reads is filtered by its grants.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp } from './support/mcp.js';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));
const SERVER = `${root}test/fixtures/mcp/list-changed-stdio-server.mjs`;
let w: TestWarden;

before(async () => {
  w = await startTestWarden({
    mcp: {
      servers: { lc: { transport: 'stdio', command: process.execPath, args: [SERVER] } },
      grants: [{ consumers: ['dev'], tools: ['lc__grow', 'lc__extra_1'] }],
    },
  } as never);
});

after(async () => {
  await w?.close();
});

test('list_changed is relayed on the GET stream; the new list is filtered by the grants', async () => {
  const c = await connectMcp(w.url, w.key('dev').key);
  try {
    let changed = 0;
    c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    assert.deepEqual((await c.client.listTools()).tools.map((t) => t.name), ['lc__grow']);
    // The client's GET stream opens after initialize; give it a moment before the server speaks.
    await new Promise((r) => setTimeout(r, 300));
    await c.client.callTool({ name: 'lc__grow', arguments: {} });
    await c.client.callTool({ name: 'lc__grow', arguments: {} });
    for (let i = 0; i < 50 && changed < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(changed, 2);
    assert.deepEqual((await c.client.listTools()).tools.map((t) => t.name), ['lc__grow', 'lc__extra_1'], 'extra_2 exists upstream but is not granted');
  } finally {
    await c.close();
  }
});
