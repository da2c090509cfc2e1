/**
 * The MCP door with real peers: the SDK Client (Streamable HTTP) against Warden in front of
 * server-everything (stdio) and server-filesystem (stdio), both from npm.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp } from './support/mcp.js';
import { readAuditRecords } from './support/audit-records.js';
import { EVERYTHING_ENTRY, FILESYSTEM_ENTRY } from './fixtures/mcp/everything.js';

const AWS_KEY = ['AKIA', 'ZQ7LPMN5HFIQR7XB'].join('');

describe('MCP door: SDK client through Warden to server-everything and server-filesystem (stdio)', () => {
  let w: TestWarden;
  let dir: string;

  before(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'warden-mcp-door-')));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'notes.txt'), 'the notes say hello');
    writeFileSync(join(dir, 'public', 'aws.txt'), `aws_access_key_id=${AWS_KEY}\n`);
    writeFileSync(join(dir, 'private.txt'), 'PRIVATE');
    symlinkSync(join(dir, 'private.txt'), join(dir, 'public', 'link.txt'));
    w = await startTestWarden({
      mcp: {
        servers: {
          ev: { transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
          fs: { transport: 'stdio', command: process.execPath, args: [FILESYSTEM_ENTRY, dir] },
        },
        grants: [
          { consumers: ['dev'], tools: ['ev__echo', 'ev__get-sum', 'fs__read_text_file', 'fs__list_directory'] },
          { groups: ['narrow'], tools: ['ev__echo'] },
          { consumers: ['sre'], tools: ['ev__*'] },
        ],
        validators: [{ tools: ['fs__*'], paths: { arguments: ['path'], roots: [join(dir, 'public')] } }],
      },
    } as never);
  });

  after(async () => {
    await w?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('tools/list shows exactly the granted tools, namespaced; a call runs', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const { tools } = await c.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['ev__echo', 'ev__get-sum', 'fs__list_directory', 'fs__read_text_file']);
      const r = await c.client.callTool({ name: 'ev__echo', arguments: { message: 'hi there' } });
      assert.match(JSON.stringify(r.content), /hi there/);
      assert.notEqual(r.isError, true);
      await assert.rejects(c.client.callTool({ name: 'ev__made-up-tool-name-123', arguments: {} }));
      const metrics = w.warden.gateway.metrics.registry.render();
      assert.match(metrics, /warden_mcp_tool_calls_total\{server="ev",tool="ev__echo",outcome="allow"\} 1/);
      // A name the client made up takes no label of its own.
      assert.ok(!metrics.includes('made-up-tool'), 'client-chosen tool names never become label values');
    } finally {
      await c.close();
    }
  });

  test('a tool hidden from tools/list is refused at tools/call too (hiding is not enforcing)', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      await assert.rejects(c.client.callTool({ name: 'ev__get-env', arguments: {} }), (e: any) => /not granted/.test(e.message) && e.code === -32003);
    } finally {
      await c.close();
    }
  });

  test('an identity without grants gets an explicit error, not an empty list', async () => {
    const c = await connectMcp(w.url, w.key('nobody').key);
    try {
      await assert.rejects(c.client.listTools(), (e: any) => /no MCP tools are granted/.test(e.message));
    } finally {
      await c.close();
    }
  });

  test('grants never union into the widest: two applicable grants intersect', async () => {
    // `dev` in group `narrow`: its own grant and the group's apply; only ev__echo is in both.
    const c = await connectMcp(w.url, w.key('dev2', { groups: ['narrow'] }).key);
    const both = await connectMcp(w.url, w.key('sre', { groups: ['narrow'] }).key);
    try {
      assert.deepEqual((await both.client.listTools()).tools.map((t) => t.name), ['ev__echo']);
      await assert.rejects(both.client.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 2 } }), /not granted/);
      assert.deepEqual((await c.client.listTools()).tools.map((t) => t.name), ['ev__echo']);
    } finally {
      await c.close();
      await both.close();
    }
  });

  test('/mcp/<server> serves one server unprefixed', async () => {
    const c = await connectMcp(w.url, w.key('dev').key, { path: '/mcp/ev' });
    try {
      const { tools } = await c.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['echo', 'get-sum']);
      const r = await c.client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
      assert.match(JSON.stringify(r.content), /5/);
    } finally {
      await c.close();
    }
  });

  test('paths: inside the root passes; outside, traversal and a symlink out of the root are refused', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const ok = await c.client.callTool({ name: 'fs__read_text_file', arguments: { path: join(dir, 'public', 'notes.txt') } });
      assert.match(JSON.stringify(ok.content), /the notes say hello/);
      for (const path of [join(dir, 'private.txt'), `${join(dir, 'public')}/../private.txt`, join(dir, 'public', 'link.txt'), 'public/notes.txt']) {
        await assert.rejects(c.client.callTool({ name: 'fs__read_text_file', arguments: { path } }), (e: any) => e.code === -32003 && /outside the allowed roots|"\.\."|absolute path/.test(e.message), path);
      }
    } finally {
      await c.close();
    }
  });

  test('a secret in a tool result is redacted before the client sees it; the audit has the call', async () => {
    const c = await connectMcp(w.url, w.key('dev').key);
    try {
      const r = await c.client.callTool({ name: 'fs__read_text_file', arguments: { path: join(dir, 'public', 'aws.txt') }, _meta: { 'claudecode/toolUseId': 'toolu_01ABC' } } as never);
      const text = JSON.stringify(r.content);
      assert.ok(!text.includes(AWS_KEY), text);
      assert.match(text, /REDACTED/);
    } finally {
      await c.close();
    }
    const all = (readAuditRecords(w.auditDir) as any[]).filter((r) => r.door === 'mcp');
    const rec = all.filter((r) => r.mcp?.tool === 'read_text_file' && r.mcp.tool_use_id === 'toolu_01ABC');
    assert.equal(rec.length, 1);
    assert.equal(rec[0].mcp.server, 'fs');
    assert.equal(rec[0].consumer, 'dev');
    assert.ok(rec[0].key_id);
    assert.match(rec[0].mcp.arguments, /aws\.txt/);
    assert.match(rec[0].mcp.result, /^ok: 1 content block/);
    assert.deepEqual(rec[0].response_findings, ['secrets:aws-access-token']);
  });
});
