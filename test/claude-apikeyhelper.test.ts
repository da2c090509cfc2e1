/**
 * `warden token` as the real Claude Code's `apiKeyHelper`, answered through Warden's LLM door
 * by the local test upstream: with an OIDC login (oidc-provider, short-lived access tokens)
 * across a token expiry inside one Claude Code session — the helper is re-run
 * (CLAUDE_CODE_API_KEY_HELPER_TTL_MS), `warden token` refreshes, and the user sees nothing —
 * and with a virtual key stored by `warden login --key -`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAuditRecords } from './support/audit-records.js';
import { runClaude } from './support/claude.js';
import { cliCommand, runCli, spawnCli, waitForOutput } from './support/cli-process.js';
import { CLI_CLIENT_ID, DEFAULT_RESOURCE, startTestIdp, type TestIdp } from './support/oidc-idp.js';
import { sequence, textReply, toolUseReply, startUpstream, type Upstream } from './support/upstream.js';
import { GUARDS_OFF, startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';

/** Access tokens live 8 s; the session below outlives one. */
const TTL_S = 8;
const HELPER = `${cliCommand(['token']).cmd} ${cliCommand(['token']).args.map((a) => `'${a}'`).join(' ')}`;

describe('warden token as Claude Code apiKeyHelper', { timeout: 240_000 }, () => {
  let idp: TestIdp;
  let up: Upstream;
  let w: TestWarden;
  let root: string;

  before(async () => {
    idp = await startTestIdp({ accessTokenTtl: TTL_S });
    up = await startUpstream();
    root = mkdtempSync(join(tmpdir(), 'warden-helper-'));
    w = await startTestWarden({
      ...claudeViaUpstream(up.url),
      guards: GUARDS_OFF,
      // No clock skew: an expired token is refused at once, so only a refreshed one passes.
      identity: { oidc: [{ issuer: idp.issuer, audience: DEFAULT_RESOURCE, name_claim: 'preferred_username', clock_skew_seconds: 0 }] },
    });
  });

  after(async () => {
    await w?.close();
    await Promise.all([idp?.stop(), up?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  test('an OIDC login: one Claude Code session across a token expiry, refreshed by warden token without the user noticing', async () => {
    const dir = join(root, 'oidc');
    const child = spawnCli(['login', '--pkce', '--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--resource', DEFAULT_RESOURCE, '--scope', 'openid offline_access api'], { env: { WARDEN_LOGIN_DIR: dir } });
    const closed = new Promise<number | null>((r) => child.on('close', r));
    const url = (await waitForOutput(child, /http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/)).trim();
    await fetch(await idp.authorize(url, 'alice'));
    assert.equal(await closed, 0);
    const firstToken = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')).access_token as string;

    up.reset();
    // Turn 1 asks for a shell command that outlasts the access token; turn 2 comes after it expired.
    up.script(sequence([toolUseReply({ name: 'Bash', input: { command: `sleep ${TTL_S + 3}` } }), textReply('all done')]));
    const run = await runClaude({
      baseUrl: w.url,
      prompt: 'wait a bit',
      allowedTools: ['Bash'],
      settings: { apiKeyHelper: HELPER },
      env: { WARDEN_LOGIN_DIR: dir, CLAUDE_CODE_API_KEY_HELPER_TTL_MS: '1000' },
      timeoutMs: 120_000,
    });
    assert.equal(run.stdout, 'all done\n', `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.equal(up.messageRequests().length, 2, 'two turns reached the provider, no retry after a refusal');
    for (const r of up.messageRequests()) assert.ok(!JSON.stringify(r.rawHeaders).includes(firstToken.split('.')[2]!), 'the token never reaches the provider');

    // Claude Code serves its cached helper output while it re-runs the helper in the background
    // (stale-while-revalidate, CLAUDE_CODE_API_KEY_HELPER_TTL_MS): the turn after a long idle
    // gap may go out once with the expired token. Warden refuses it (401, x-should-retry:
    // false), Claude Code takes the refreshed token and repeats: the user sees only the answer.
    const recs = readAuditRecords(w.auditDir).filter((r) => r.door === 'llm');
    const ok = recs.filter((r) => r.status === 200);
    assert.deepEqual(ok.map((r) => [r.consumer, r.subject, r.issuer]), [['alice', 'alice', idp.issuer], ['alice', 'alice', idp.issuer]]);
    assert.equal(recs[0]!.status, 200);
    assert.equal(recs.at(-1)!.status, 200);
    const refused = recs.filter((r) => r.status !== 200);
    assert.ok(refused.length <= 2, `at most a refusal or two before the refreshed token: ${JSON.stringify(refused.map((r) => r.error_code))}`);
    for (const r of refused) assert.deepEqual([r.status, r.error_code], [401, 'WARDEN_E_TOKEN_EXPIRED']);
    const stored = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as { access_token: string };
    assert.notEqual(stored.access_token, firstToken, 'warden token refreshed during the session');
    // The first token is past its expiry: Warden refuses it now, so the second turn was answered with the refreshed one.
    const stale = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${firstToken}` }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }) });
    assert.equal(stale.status, 401);
    assert.equal(stale.headers.get('x-warden-error-code'), 'WARDEN_E_TOKEN_EXPIRED');
  });

  test('a virtual key stored by warden login --key -: Claude Code answered through Warden', async () => {
    const dir = join(root, 'key');
    const { key } = w.key('helper-dev');
    const c = cliCommand(['login', '--key', '-']);
    const child = spawn(c.cmd, c.args, { cwd: c.cwd, env: { ...process.env, WARDEN_LOGIN_DIR: dir }, stdio: ['pipe', 'ignore', 'pipe'] });
    child.stdin.end(key);
    assert.equal(await new Promise((r) => child.on('close', r)), 0);
    up.reset();
    const run = await runClaude({ baseUrl: w.url, prompt: 'hi', settings: { apiKeyHelper: HELPER }, env: { WARDEN_LOGIN_DIR: dir } });
    assert.equal(run.stdout, 'echo: hi\n', run.stderr);
    const last = readAuditRecords(w.auditDir).filter((r) => r.door === 'llm').at(-1)!;
    assert.equal(last.consumer, 'helper-dev');
    assert.equal(last.status, 200);
    // Logged out: the helper fails, Claude Code gets no credential and says so.
    assert.equal((await runCli(['logout'], { env: { WARDEN_LOGIN_DIR: dir } })).code, 0);
    const out = await runClaude({ baseUrl: w.url, prompt: 'hi', settings: { apiKeyHelper: HELPER }, env: { WARDEN_LOGIN_DIR: dir }, timeoutMs: 30_000 });
    assert.notEqual(out.code, 0);
    assert.equal(up.messageRequests().length, 1, 'no request without a credential');
  });
});
