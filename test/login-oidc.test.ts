/**
 * `warden login` / `warden token` / `warden logout` as separate processes against a real
 * OpenID Provider (oidc-provider, test/support/oidc-idp.ts): the device flow with the test
 * playing the user on the IdP's own pages, the code flow with PKCE on a loopback redirect,
 * the stored file's modes, a short-lived access token refreshed (and the refresh token
 * rotated) by `warden token`, concurrent refreshes, and every way `warden token` fails.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand, runCli, spawnCli, waitForOutput } from './support/cli-process.js';
import { enterDeviceCode } from './support/device-user.js';
import { CLI_CLIENT_ID, DEFAULT_RESOURCE, startTestIdp, type TestIdp } from './support/oidc-idp.js';

const T = { timeout: 120_000 };
/** Access tokens live 6 s: `warden token` refreshes once less than half of that is left. */
const TTL_S = 6;
let idp: TestIdp;
let root: string;

before(async () => {
  idp = await startTestIdp({ accessTokenTtl: TTL_S });
  root = mkdtempSync(join(tmpdir(), 'warden-login-'));
});
after(async () => {
  await idp.stop();
  rmSync(root, { recursive: true, force: true });
});

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const stored = (dir: string) => JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as Record<string, string | number>;
const mode = (p: string) => statSync(p).mode & 0o777;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loginFlags = (account: string) => ['--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--resource', DEFAULT_RESOURCE, '--scope', 'openid profile offline_access api', '--login-hint', account];

function closed(child: ReturnType<typeof spawnCli>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(t), resolve({ code, stdout, stderr }))));
}

/** `warden login` by the device flow, the test entering the code on the IdP's pages as `account`. */
async function deviceLogin(dir: string, account: string): Promise<{ stderr: string; title: string }> {
  const child = spawnCli(['login', ...loginFlags(account)], { env: { WARDEN_LOGIN_DIR: dir } });
  const done = closed(child);
  const shown = await waitForOutput(child, /open (\S+) and enter the code (\S+)\n/);
  const [, uri, code] = /open (\S+) and enter the code (\S+)\n/.exec(shown)!;
  const visit = await enterDeviceCode(uri!, code!);
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'login prints nothing on stdout');
  return { stderr: r.stderr, title: visit.title };
}

test('device flow: warden login through the IdP pages, token stored 0600 in a 0700 folder, warden token prints it', T, async () => {
  const dir = join(root, 'device');
  const { stderr, title } = await deviceLogin(dir, 'alice');
  assert.equal(title, 'Sign-in Success');
  assert.match(stderr, new RegExp(`logged in to ${idp.issuer.replace(/[.]/g, '\\.')} as alice`));
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(join(dir, 'credentials.json')), 0o600);
  const file = stored(dir);
  assert.equal(file.kind, 'oidc');
  assert.ok(typeof file.refresh_token === 'string' && file.refresh_token.length > 10);
  assert.doesNotMatch(stderr, new RegExp(String(file.refresh_token)), 'no token in the messages');
  const t = await runCli(['token'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stderr, '');
  assert.match(t.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'only the token and a newline');
  const c = claims(t.stdout.trim());
  assert.equal(c.sub, 'alice');
  assert.equal(c.iss, idp.issuer);
  assert.equal(c.aud, DEFAULT_RESOURCE);
  assert.deepEqual(c.groups, ['data-reader']);
  assert.equal(t.stdout.trim(), file.access_token, 'a fresh token is printed without asking the IdP');
});

test('warden token refreshes an expiring token, stores the rotated refresh token, and concurrent runs refresh once', T, async () => {
  const dir = join(root, 'refresh');
  await deviceLogin(dir, 'bob');
  const first = stored(dir);
  const env = { WARDEN_LOGIN_DIR: dir };
  const tokenHits = () => idp.hits['/token'] ?? 0;
  await sleep(TTL_S * 500 + 300);
  const before = tokenHits();
  // Three helpers at once, as Claude Code may start them: one refresh, the others wait and read it.
  const runs = await Promise.all([1, 2, 3].map(() => runCli(['token'], { env })));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const printed = new Set(runs.map((r) => r.stdout));
  assert.equal(printed.size, 1, 'all three print the same refreshed token');
  assert.equal(tokenHits() - before, 1, 'one refresh at the token endpoint');
  const second = stored(dir);
  assert.notEqual(second.access_token, first.access_token);
  assert.equal(runs[0]!.stdout.trim(), second.access_token);
  assert.notEqual(second.refresh_token, first.refresh_token, 'the IdP rotated the refresh token and the new one was stored');
  assert.equal(mode(join(dir, 'credentials.json')), 0o600);
  assert.ok(Number(claims(String(second.access_token)).exp) * 1000 > Date.now());
  // The spent refresh token is worth nothing at the IdP any more.
  const reuse = await fetch(`${idp.issuer}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token), client_id: CLI_CLIENT_ID }) });
  assert.equal(reuse.status, 400);
});

test('PKCE: warden login --pkce prints the URL, takes the loopback redirect, stores the login', T, async () => {
  const dir = join(root, 'pkce');
  const child = spawnCli(['login', '--pkce', '--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--resource', DEFAULT_RESOURCE, '--scope', 'openid offline_access api'], { env: { WARDEN_LOGIN_DIR: dir } });
  const done = closed(child);
  const url = new URL((await waitForOutput(child, /http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/)).trim());
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  // A redirect with a wrong state is refused and the login keeps waiting for the real one.
  const back = new URL(await idp.authorize(url.href, 'dave'));
  const forged = new URL(back);
  forged.searchParams.set('state', 'not-the-state');
  assert.equal((await fetch(forged)).status, 400);
  const landing = await fetch(back);
  assert.equal(landing.status, 200);
  assert.match(await landing.text(), /Logged in to Warden/);
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /as dave/);
  const t = await runCli(['token'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(claims(t.stdout.trim()).sub, 'dave');
  assert.equal(mode(join(dir, 'credentials.json')), 0o600);
});

test('warden token fails closed with a clear message: not logged in, a file others can read, a refused refresh', T, async () => {
  const none = await runCli(['token'], { env: { WARDEN_LOGIN_DIR: join(root, 'nobody') } });
  assert.equal(none.code, 1);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /^WARDEN_E_LOGIN_REQUIRED: not logged in .*warden login/m);

  const dir = join(root, 'broken');
  await deviceLogin(dir, 'carol');
  const env = { WARDEN_LOGIN_DIR: dir };
  const file = join(dir, 'credentials.json');
  chmodSync(file, 0o644);
  const open = await runCli(['token'], { env });
  assert.equal(open.code, 1);
  assert.equal(open.stdout, '');
  assert.match(open.stderr, /^WARDEN_E_LOGIN_STORE: .*can be read by other users \(mode 644\)/m);
  chmodSync(file, 0o600);

  // The IdP no longer knows the refresh token (revoked elsewhere): the token expires, refresh is refused.
  const c = stored(dir);
  writeFileSync(file, JSON.stringify({ ...c, refresh_token: 'revoked-or-unknown', expires_at: Date.now() - 1000 }), { mode: 0o600 });
  const refused = await runCli(['token'], { env });
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /^WARDEN_E_LOGIN_REQUIRED: .* refused to refresh the token \(invalid_grant.*run `warden login` again/m);
  assert.doesNotMatch(refused.stderr, /revoked-or-unknown/, 'the token is not echoed');

  // The IdP unreachable: said so, not "log in again".
  writeFileSync(file, JSON.stringify({ ...c, expires_at: Date.now() - 1000 }), { mode: 0o600 });
  idp.pause();
  try {
    const down = await runCli(['token'], { env });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^WARDEN_E_LOGIN_FAILED: refreshing the token at .*: cannot reach/m);
  } finally {
    idp.resume();
  }
});

test('warden logout revokes the refresh token at the IdP and removes the file', T, async () => {
  const dir = join(root, 'logout');
  await deviceLogin(dir, 'erin');
  const rt = String(stored(dir).refresh_token);
  const r = await runCli(['logout'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /revoked the refresh token/);
  const t = await runCli(['token'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.match(t.stderr, /WARDEN_E_LOGIN_REQUIRED/);
  const reuse = await fetch(`${idp.issuer}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt, client_id: CLI_CLIENT_ID }) });
  assert.equal(reuse.status, 400, 'the revoked refresh token is refused by the IdP');
});

test('warden login --key - stores a virtual key from stdin; warden token prints it; a malformed key is refused', T, async () => {
  const dir = join(root, 'key');
  const { generateKey } = await import('../src/identity/keys.js');
  const key = generateKey();
  const c = cliCommand(['login', '--key', '-']);
  const child = spawn(c.cmd, c.args, { cwd: c.cwd, env: { ...process.env, WARDEN_LOGIN_DIR: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = closed(child as ReturnType<typeof spawnCli>);
  child.stdin.end(`${key}\n`);
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, new RegExp(key), 'the key is not echoed');
  assert.equal(mode(join(dir, 'credentials.json')), 0o600);
  const t = await runCli(['token'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.equal(t.stdout, `${key}\n`);
  const bad = await runCli(['login', '--key', 'wdn_notakey'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^WARDEN_E_USAGE: --key: not a Warden virtual key/m);
  assert.equal((await runCli(['token'], { env: { WARDEN_LOGIN_DIR: dir } })).stdout, `${key}\n`, 'the stored key is untouched');
});

test('warden login without an issuer names the flags and the login.json that give one; login.json is read', T, async () => {
  const dir = join(root, 'settings');
  const r = await runCli(['login'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^WARDEN_E_USAGE: give --issuer URL and --client-id ID, or put issuer and client_id in .*login\.json/m);
  // With login.json pointing at an issuer that announces another one in its discovery: refused.
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'login.json'), JSON.stringify({ issuer: `${idp.issuer}/`, client_id: CLI_CLIENT_ID }));
  const wrong = await runCli(['login'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^WARDEN_E_LOGIN_FAILED: discovery at .* names issuer "http:\/\/127\.0\.0\.1:\d+", not "http:\/\/127\.0\.0\.1:\d+\/"/m);
  writeFileSync(join(dir, 'login.json'), JSON.stringify({ issuer: 'http://idp.example.com', client_id: CLI_CLIENT_ID }));
  const plain = await runCli(['login'], { env: { WARDEN_LOGIN_DIR: dir } });
  assert.match(plain.stderr, /^WARDEN_E_LOGIN_FAILED: the issuer http:\/\/idp\.example\.com must use https/m);
});
