/**
 * `warden connect claude-code` on real files: merges without clobbering, a second run changes
 * nothing, `--undo` gives back the very bytes, later user edits survive an undo, `--dry-run`
 * writes nothing, `--managed` writes the managed files, a broken file stops it unwritten.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeCodePermissions } from '../src/policy/permissions/claude-code-syntax.js';
import { runCli } from './support/cli-process.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'warden-connect-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const URL_ = 'http://127.0.0.1:8080';
const connect = (...args: string[]) => runCli(['connect', 'claude-code', '--dir', dir, '--url', URL_, ...args]);
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

const USER_SETTINGS = `{
  "model": "claude-sonnet-4-5",
  "env": { "FOO": "bar" },
  "permissions": { "allow": ["Bash(make *)"], "deny": ["Bash(sudo *)", "Read(./secrets/**)"] },
  "hooks": { "PreToolUse": [{ "matcher": "Write", "hooks": [{ "type": "command", "command": "lint-hook" }] }] }
}
`;

test('merges into existing settings without clobbering; a second run changes nothing; --undo restores the bytes', async () => {
  writeFileSync(join(dir, 'settings.json'), USER_SETTINGS);
  const first = await connect('--user');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /wrote .*settings\.json/);
  const s = JSON.parse(read('settings.json'));
  assert.equal(s.model, 'claude-sonnet-4-5');
  assert.deepEqual(s.env, { FOO: 'bar', ANTHROPIC_BASE_URL: URL_ });
  assert.deepEqual(s.permissions.allow, ['Bash(make *)']);
  const deny: string[] = s.permissions.deny;
  assert.deepEqual(deny.slice(0, 2), ['Bash(sudo *)', 'Read(./secrets/**)']);
  assert.equal(deny.filter((r) => r === 'Bash(sudo *)').length, 1, 'no duplicate of a rule the user had');
  for (const r of claudeCodePermissions().deny) assert.ok(deny.includes(r), r);
  assert.equal(s.hooks.PreToolUse.length, 2);
  assert.equal(s.hooks.PreToolUse[0].hooks[0].command, 'lint-hook');
  // curl is on this machine's PATH: the fast shell hook, with the node hook behind it.
  assert.match(s.hooks.PreToolUse[1].hooks[0].command, /^\/bin\/sh \S*bin\/warden-hook\.sh http:\/\/127\.0\.0\.1:8080 -- \S+ \S*warden\.js$/);
  assert.match(s.apiKeyHelper, /warden\.js token$/);
  const mcp = JSON.parse(read('.claude.json'));
  assert.equal(mcp.mcpServers.warden.url, `${URL_}/mcp`);
  assert.match(mcp.mcpServers.warden.headersHelper, /hook mcp-headers$/);
  assert.ok(!JSON.stringify(mcp).includes('Bearer'), 'no literal credential in the MCP config');

  const written = read('settings.json');
  const second = await connect('--user');
  assert.equal(second.code, 0);
  assert.match(second.stdout, /unchanged .*settings\.json/);
  assert.match(second.stdout, /unchanged .*\.claude\.json/);
  assert.equal(read('settings.json'), written);

  const undo = await connect('--user', '--undo');
  assert.equal(undo.code, 0, undo.stderr);
  assert.equal(read('settings.json'), USER_SETTINGS, 'the original bytes');
  assert.equal(existsSync(join(dir, '.claude.json')), false, 'a file connect created is removed');
  assert.equal(existsSync(join(dir, 'settings.json.warden-connect.json')), false);
});

test('--undo after the user edited the file: Warden\'s parts go, the user\'s edit stays', async () => {
  writeFileSync(join(dir, 'settings.json'), USER_SETTINGS);
  assert.equal((await connect('--user')).code, 0);
  const s = JSON.parse(read('settings.json'));
  s.permissions.allow.push('Bash(npm run lint)');
  s.env.EXTRA = '1';
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(s, null, 2));
  assert.equal((await connect('--user', '--undo')).code, 0);
  const after = JSON.parse(read('settings.json'));
  const before = JSON.parse(USER_SETTINGS);
  assert.deepEqual(after.permissions, { allow: ['Bash(make *)', 'Bash(npm run lint)'], deny: before.permissions.deny });
  assert.deepEqual(after.env, { FOO: 'bar', EXTRA: '1' });
  assert.deepEqual(after.hooks, before.hooks);
  assert.equal(after.apiKeyHelper, undefined);
});

test('a value the user had is replaced, named, and put back by --undo', async () => {
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: 'https://api.example.com' }, apiKeyHelper: 'old-helper' }));
  const r = await connect('--user');
  assert.match(r.stdout, /replaced env\.ANTHROPIC_BASE_URL, apiKeyHelper/);
  const s = JSON.parse(read('settings.json'));
  s.model = 'x';
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(s));
  await connect('--user', '--undo');
  assert.deepEqual(JSON.parse(read('settings.json')), { env: { ANTHROPIC_BASE_URL: 'https://api.example.com' }, apiKeyHelper: 'old-helper', model: 'x' });
});

test('--dry-run prints the change as a diff and writes nothing', async () => {
  writeFileSync(join(dir, 'settings.json'), USER_SETTINGS);
  const r = await connect('--user', '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\+\+\+ .*settings\.json$/m);
  assert.match(r.stdout, /^\+ +"ANTHROPIC_BASE_URL": "http:\/\/127\.0\.0\.1:8080"$/m);
  assert.match(r.stdout, /^  +"model": "claude-sonnet-4-5",$/m);
  assert.equal(read('settings.json'), USER_SETTINGS);
  assert.equal(existsSync(join(dir, '.claude.json')), false);
});

test('--managed writes managed-settings.json and managed-mcp.json; --project writes .claude/settings.json and .mcp.json', async () => {
  assert.equal((await connect('--managed')).code, 0);
  assert.ok(JSON.parse(read('managed-settings.json')).hooks.PreToolUse);
  assert.equal(JSON.parse(read('managed-mcp.json')).mcpServers.warden.type, 'http');
  assert.equal((await connect('--project')).code, 0);
  assert.deepEqual(JSON.parse(read('.claude/settings.json')).enabledMcpjsonServers, ['warden']);
  assert.ok(JSON.parse(read('.mcp.json')).mcpServers.warden);
});

test('a settings file that is not JSON stops connect before anything is written', async () => {
  mkdirSync(join(dir, '.claude'));
  writeFileSync(join(dir, '.claude', 'settings.json'), '{ "permissions": ');
  const r = await connect('--project');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^WARDEN_E_CLAUDE_SETTINGS: .*settings\.json is not valid JSON/m);
  assert.equal(existsSync(join(dir, '.mcp.json')), false);
  assert.equal(read('.claude/settings.json'), '{ "permissions": ');
});

test('no curl on the PATH, or --node-hook: the node hook as before', async () => {
  for (const [args, env] of [[['--node-hook'], {}], [[], { PATH: join(dir, 'no-bin') }]] as [string[], Record<string, string>][]) {
    const r = await runCli(['connect', 'claude-code', '--user', '--dir', dir, '--url', URL_, ...args], { env });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(read('settings.json'));
    assert.match(s.hooks.PreToolUse[0].hooks[0].command, /warden\.js hook pre-tool-use --url http:\/\/127\.0\.0\.1:8080$/);
    assert.equal((await runCli(['connect', 'claude-code', '--user', '--dir', dir, '--undo'], { env })).code, 0);
    assert.equal(existsSync(join(dir, 'settings.json')), false);
  }
});
