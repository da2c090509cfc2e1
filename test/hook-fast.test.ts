/**
 * bin/warden-hook.sh, the hook that does not start node: the endpoint's `?format=claude-hook`
 * answer, fail closed with Warden down (and --fail-open), a refused token handed to the node
 * hook, no credential handed to the node hook, the bearer header the login store keeps.
 * Real processes: sh, curl, bin/warden.js (build first), a Warden on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hookInput, runFastHook, runWardenBin } from './support/hook-process.js';
import { startTestWarden, type TestWarden } from './support/warden.js';

let w: TestWarden;
let key: string;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-hookfast-'));
  w = await startTestWarden({ guards: { tool_use: {} } });
  key = w.key('dev').key;
});
after(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('?format=claude-hook: exactly what the node hook prints, empty when no rule spoke, Warden errors otherwise', async () => {
  const post = (body: string, auth = `Bearer ${key}`) => fetch(`${w.url}/v1/warden/decide/tool-use?format=claude-hook`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
  for (const command of ['rm -rf /', 'git push origin main', 'npm test', 'ls -la']) {
    const input = hookInput('Bash', { command });
    const r = await post(input);
    assert.equal(r.status, 200, command);
    const node = await runWardenBin(['hook', 'pre-tool-use', '--url', w.url], input, { WARDEN_TOKEN: key });
    assert.equal(await r.text(), node.stdout, command);
  }
  const none = await post(hookInput('mcp__other__thing', {}));
  assert.equal(none.status, 200);
  assert.equal(await none.text(), '');
  const bad = await post('[1]');
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /must be a JSON object/);
  const noKey = await post(hookInput('Bash', { command: 'ls' }), 'Bearer wdn_nope');
  assert.equal(noKey.status, 401);
});

test('the sh hook blocks with the reason when Warden is down; --fail-open lets Claude Code decide', async () => {
  const url = `http://127.0.0.1:${await deadPort()}`;
  const input = hookInput('Bash', { command: 'ls' });
  const closed = await runFastHook(url, input, { WARDEN_TOKEN: key });
  assert.equal(closed.code, 2);
  assert.equal(closed.stdout, '');
  assert.match(closed.stderr, /unreachable.*blocked/s);
  assert.ok(!closed.stderr.includes(key), 'no secret in the reason');
  const open = await runFastHook(url, input, { WARDEN_TOKEN: key }, ['--fail-open']);
  assert.equal(open.code, 0);
  assert.equal(open.stdout, '');
  assert.match(open.stderr, /fail-open/);
});

test('login keeps bearer.header (0600); a refused token is handed to the node hook, which decides', async () => {
  const login = join(dir, 'login');
  const env = { WARDEN_LOGIN_DIR: login, WARDEN_TOKEN: '' };
  const r = await runWardenBin(['login', '--key', key], '', env);
  assert.equal(r.code, 0, r.stderr);
  const header = join(login, 'bearer.header');
  assert.equal(statSync(header).mode & 0o777, 0o600);
  assert.equal(readFileSync(header, 'utf8'), `authorization: Bearer ${key}\n`);
  const input = hookInput('Bash', { command: 'rm -rf /' });
  const direct = await runFastHook(w.url, input, env);
  assert.equal(direct.code, 0, direct.stderr);
  assert.match(direct.stdout, /"permissionDecision":"deny"/);
  // A login stored before bearer.header existed: `warden token` (the apiKeyHelper) writes it.
  rmSync(header);
  const t = await runWardenBin(['token'], '', env);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(readFileSync(header, 'utf8'), `authorization: Bearer ${key}\n`);
  // A stale bearer (as an expired OIDC access token would be): Warden says 401, the node hook
  // (credentials.json still holds the valid key) answers instead of a block.
  writeFileSync(header, 'authorization: Bearer wdn_stale\n', { mode: 0o600 });
  const handed = await runFastHook(w.url, input, env);
  assert.equal(handed.code, 0, handed.stderr);
  assert.equal(handed.stdout, direct.stdout);
  // Logged out: no bearer file, no credential: the node hook's own refusal.
  assert.equal((await runWardenBin(['logout'], '', env)).code, 0);
  assert.throws(() => statSync(header));
  const none = await runFastHook(w.url, input, { ...env, ANTHROPIC_AUTH_TOKEN: '', ANTHROPIC_API_KEY: '' });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no credential/);
});

test('a token Warden refuses with the node hook unable to do better still blocks', async () => {
  const r = await runFastHook(w.url, hookInput('Bash', { command: 'ls' }), { WARDEN_TOKEN: 'wdn_unknown' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Warden refused/);
});
