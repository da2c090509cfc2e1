/**
 * `warden login` / `warden token` against a hostile machine and a hostile IdP: a config folder
 * others can write or that belongs to someone else, a symlinked credentials file, a lock left
 * by a crashed refresh, an IdP that echoes the refresh token in its error, and one that asks
 * the device flow to wait for ever. The IdP here is hostile on purpose (oidc-provider never
 * misbehaves like this), so it is a bare HTTP server answering what a bad IdP answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWardenError } from '../src/core/errors.js';
import { deviceFlow } from '../src/cli/login/device.js';
import { withFileLock } from '../src/cli/login/lock.js';
import { loadCredentials, loadLoginSettings } from '../src/cli/login/store.js';
import { tokenCommand } from '../src/cli/login/token.js';

const T = { timeout: 30_000 };

function tempDir(t: { after: (f: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'warden-login-hard-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function credentials(tokenEndpoint: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ version: 1, kind: 'oidc', issuer: 'http://127.0.0.1', client_id: 'cli', token_endpoint: tokenEndpoint, access_token: 'at', refresh_token: 'rt_SECRET_refresh_0123456789', obtained_at: 0, expires_at: 1, ...extra });
}

async function hostileIdp(t: { after: (f: () => Promise<void>) => void }, answer: (form: URLSearchParams) => [number, unknown]): Promise<string> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const [status, json] = answer(new URLSearchParams(body));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a folder others can write, or someone else owns, is refused for credentials and login.json; a symlinked file is not followed', T, (t) => {
  const root = tempDir(t);
  const dir = join(root, 'warden');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'credentials.json'), credentials('http://127.0.0.1:1/token'), { mode: 0o600 });
  writeFileSync(join(dir, 'login.json'), JSON.stringify({ issuer: 'https://idp.example.com', client_id: 'cli' }), { mode: 0o644 });
  const env = { WARDEN_LOGIN_DIR: dir };
  assert.equal(loadCredentials(env)?.kind, 'oidc');
  assert.equal(loadLoginSettings(env)?.settings.issuer, 'https://idp.example.com');

  chmodSync(dir, 0o777);
  assert.throws(() => loadCredentials(env), /can be written by other users \(mode 777\)/);
  assert.throws(() => loadLoginSettings(env), /can be written by other users/, 'a planted login.json would name another issuer');
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    chownSync(dir, 4321, 4321);
    assert.throws(() => loadCredentials(env), /belongs to another user/);
    chownSync(dir, 0, 0);
    chownSync(join(dir, 'login.json'), 4321, 4321);
    assert.throws(() => loadLoginSettings(env), /belongs to another user/);
  }
  const elsewhere = join(root, 'elsewhere.json');
  writeFileSync(elsewhere, credentials('http://127.0.0.1:1/token'), { mode: 0o600 });
  rmSync(join(dir, 'credentials.json'));
  symlinkSync(elsewhere, join(dir, 'credentials.json'));
  assert.throws(() => loadCredentials(env), /symlink, which is not followed/);
});

test('a lock left by a crashed refresh is taken over at once; a live holder is waited for, boundedly', T, async (t) => {
  const dir = tempDir(t);
  const lock = join(dir, 'credentials.json.lock');
  const child = spawn(process.execPath, ['-e', '0']);
  const dead = await new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
  writeFileSync(lock, `${dead}\n`);
  const start = Date.now();
  assert.equal(await withFileLock(lock, 5_000, async () => 'ran'), 'ran');
  assert.ok(Date.now() - start < 2_000, `took ${Date.now() - start} ms for a dead holder`);
  assert.equal(existsSync(lock), false, 'released');

  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
  t.after(() => holder.kill());
  writeFileSync(lock, `${holder.pid}\n`);
  await assert.rejects(withFileLock(lock, 300, async () => 'ran'), /another warden process holds .* for more than/);
});

test('an IdP that echoes the refresh token in its error: the token is not in the message', T, async (t) => {
  const idp = await hostileIdp(t, (form) => [400, { error: 'invalid_grant', error_description: `refresh token ${form.get('refresh_token')} is revoked (${encodeURIComponent(form.get('refresh_token')!)})` }]);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'credentials.json'), credentials(`${idp}/token`), { mode: 0o600 });
  const out: string[] = [];
  try {
    await tokenCommand({ out: (s) => out.push(s), err: () => {}, env: { WARDEN_LOGIN_DIR: dir } });
    assert.fail('refused');
  } catch (e) {
    assert.ok(isWardenError(e));
    assert.equal(e.code, 'WARDEN_E_LOGIN_REQUIRED');
    assert.match(e.message, /invalid_grant: refresh token \[redacted\] is revoked \(\[redacted\]\)/);
    assert.doesNotMatch(e.message, /SECRET/);
  }
  assert.deepEqual(out, []);
});

test('the device flow waits at most 30 minutes and polls at least once a minute, whatever the IdP says', T, async (t) => {
  let polls = 0;
  const idp = await hostileIdp(t, (form) => {
    if (form.get('grant_type')) {
      polls++;
      return [400, { error: 'authorization_pending' }];
    }
    return [200, { device_code: 'dc_secret_0123456789', user_code: 'ABCD', verification_uri: 'http://127.0.0.1/device', expires_in: 1e9, interval: 1e6 }];
  });
  let clock = 0;
  const slept: number[] = [];
  const d = { issuer: idp, token_endpoint: `${idp}/token`, device_authorization_endpoint: `${idp}/device` };
  await assert.rejects(
    deviceFlow(d, { client_id: 'cli', scope: 'openid' }, { err: () => {}, now: () => clock, sleep: async (ms) => { slept.push(ms); clock += ms; } }),
    /expired before the login was completed/,
  );
  assert.ok(Math.max(...slept) <= 60_000, `slept ${Math.max(...slept)} ms between polls`);
  assert.ok(clock <= 31 * 60_000, `waited ${clock / 60_000} min`);
  assert.ok(polls >= 29, `${polls} polls`);
});

test('a refresh that returns a token of another issuer or for another audience is refused and not stored', T, async (t) => {
  const { readFileSync } = await import('node:fs');
  const jwt = (claims: Record<string, unknown>) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
  let claims: Record<string, unknown> = {};
  const idp = await hostileIdp(t, () => [200, { access_token: jwt(claims), token_type: 'Bearer', expires_in: 3600 }]);
  const dir = tempDir(t);
  const file = join(dir, 'credentials.json');
  const stored = credentials(`${idp}/token`, { issuer: idp, resource: 'https://warden.test' });
  const run = async () => {
    writeFileSync(file, stored, { mode: 0o600 });
    const out: string[] = [];
    try {
      await tokenCommand({ out: (s) => out.push(s), err: () => {}, env: { WARDEN_LOGIN_DIR: dir } });
      return { out };
    } catch (e) {
      return { out, error: (e as Error).message };
    }
  };
  claims = { iss: 'https://evil.example.com', aud: 'https://warden.test', exp: 9e9 };
  let r = await run();
  assert.match(r.error ?? '', /issued by "https:\/\/evil\.example\.com", not http:\/\/127\.0\.0\.1:\d+: refused, nothing stored/);
  assert.deepEqual(r.out, []);
  assert.equal(readFileSync(file, 'utf8'), stored, 'the stored login is untouched');
  claims = { iss: idp, aud: 'https://graph.example.com', exp: 9e9 };
  r = await run();
  assert.match(r.error ?? '', /the access token is for https:\/\/graph\.example\.com, not https:\/\/warden\.test/);
  claims = { iss: idp, aud: ['https://warden.test', 'x'], exp: 9e9 };
  r = await run();
  assert.equal(r.error, undefined);
  assert.equal(r.out.length, 1);
});
