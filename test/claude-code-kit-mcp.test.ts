/**
 * Warden's MCP endpoint as `warden connect claude-code` configures it, with the real Claude
 * Code binary: its config folder (CLAUDE_CONFIG_DIR) is the one `warden connect claude-code
 * --user` wrote — settings.json, and the `warden` server in .claude.json (url `<warden>/mcp`,
 * `headersHelper` running `warden hook mcp-headers`, no literal token) — with the login of
 * `warden login --key`. Upstream: the MCP
 * reference server-everything over stdio behind Warden's MCP door.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAuditRecords } from './support/audit-records.js';
import { runClaude } from './support/claude.js';
import { runCli } from './support/cli-process.js';
import { startUpstream, textReply, toolResults, toolUseReply, type Upstream } from './support/upstream.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { EVERYTHING_ENTRY } from './fixtures/mcp/everything.js';

let up: Upstream;
let w: TestWarden;
let root: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'warden-kit-mcp-'));
  up = await startUpstream();
  w = await startTestWarden({
    ...claudeViaUpstream(up.url),
    mcp: { servers: { ev: { transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] } }, grants: [{ consumers: ['dev'], tools: ['ev__echo'] }] },
  } as never);
});
after(async () => {
  await w?.close();
  await up?.close();
  rmSync(root, { recursive: true, force: true });
});

test('the MCP server entry connect wrote: Claude Code reaches Warden\'s /mcp with the header the helper prints', async () => {
  const loginDir = join(root, 'login');
  const login = await runCli(['login', '--key', w.key('dev').key], { env: { WARDEN_LOGIN_DIR: loginDir } });
  assert.equal(login.code, 0, login.stderr);
  const configDir = join(root, 'claude');
  assert.equal((await runCli(['connect', 'claude-code', '--user', '--dir', configDir, '--url', w.url])).code, 0);
  const mcpText = readFileSync(join(configDir, '.claude.json'), 'utf8');
  assert.doesNotMatch(mcpText, /wdn_|Bearer/, 'no credential in the MCP config');

  up.reset();
  up.script((req) => (toolResults(req.json).length ? textReply(`The tool said: ${toolResults(req.json)[0]!.text}`) : toolUseReply({ name: 'mcp__warden__ev__echo', input: { message: 'hello through the kit' } })));
  const run = await runClaude({
    baseUrl: w.url,
    prompt: 'echo',
    cwd: root,
    allowedTools: ['mcp__warden__ev__echo'],
    // Claude Code reads the folder connect wrote: settings.json and the user-scope MCP servers in .claude.json.
    env: { WARDEN_LOGIN_DIR: loginDir, ENABLE_TOOL_SEARCH: 'false', CLAUDE_CONFIG_DIR: configDir },
    timeoutMs: 90_000,
  });
  assert.equal(run.timedOut, false, run.stdout + run.stderr);
  assert.match(run.stdout, /The tool said: .*hello through the kit/, run.stdout + run.stderr);
  const recs = readAuditRecords(w.auditDir);
  assert.ok(recs.some((r) => r.door === 'mcp' && r.consumer === 'dev'), 'the MCP call went through Warden as the logged-in consumer');
  assert.ok(recs.some((r) => r.door === 'hook' && r.tool_decisions?.[0]?.tool === 'mcp__warden__ev__echo'), 'the hook judged the MCP tool call too');
});
