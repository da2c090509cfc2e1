/**
 * examples/mcp is runnable and says what it does: its config (with the npx commands replaced
 * by the same packages from node_modules, and its folder by a temporary one) lets local-dev
 * echo and read inside public/, and refuses get-env, a dotfile and a path outside public/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ConfigInput } from '../src/config/schema.js';
import { startTestWarden, type TestWarden } from './support/warden.js';
import { connectMcp } from './support/mcp.js';
import { EVERYTHING_ENTRY, FILESYSTEM_ENTRY } from './fixtures/mcp/everything.js';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));
let w: TestWarden;
let dir: string;

before(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'warden-mcp-example-')));
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'public', 'hello.txt'), 'hello from the example');
  writeFileSync(join(dir, 'public', '.env'), 'SECRET=1');
  writeFileSync(join(dir, 'outside.txt'), 'outside');
  const text = readFileSync(join(root, 'examples/mcp/warden.yaml'), 'utf8').replaceAll('/tmp/warden-mcp-example', dir);
  const cfg = parse(text) as ConfigInput & { mcp: any };
  cfg.mcp.servers.ev = { ...cfg.mcp.servers.ev, command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] };
  cfg.mcp.servers.fs = { ...cfg.mcp.servers.fs, command: process.execPath, args: [FILESYSTEM_ENTRY, dir] };
  w = await startTestWarden({ mcp: cfg.mcp, policy: cfg.policy } as never);
});

after(async () => {
  await w?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('examples/mcp: the granted tools run, the refused ones are refused with their reason', { timeout: 60_000 }, async () => {
  const c = await connectMcp(w.url, w.key('local-dev').key);
  try {
    assert.deepEqual((await c.client.listTools()).tools.map((t) => t.name).sort(), ['ev__echo', 'ev__get-sum', 'fs__list_directory', 'fs__read_text_file']);
    assert.match(JSON.stringify((await c.client.callTool({ name: 'ev__echo', arguments: { message: 'hi' } })).content), /hi/);
    assert.match(JSON.stringify((await c.client.callTool({ name: 'fs__read_text_file', arguments: { path: join(dir, 'public', 'hello.txt') } })).content), /hello from the example/);
    await assert.rejects(c.client.callTool({ name: 'fs__read_text_file', arguments: { path: join(dir, 'public', '.env') } }), /dotfiles stay private/);
    await assert.rejects(c.client.callTool({ name: 'fs__read_text_file', arguments: { path: join(dir, 'outside.txt') } }), /outside the allowed roots/);
    await assert.rejects(c.client.callTool({ name: 'ev__get-env', arguments: {} }), /not granted/);
  } finally {
    await c.close();
  }
});
