/**
 * The kit with an OIDC login instead of a virtual key, with the real Claude Code binary and a
 * real identity provider (oidc-provider): `warden login --pkce`, then the settings `warden
 * connect claude-code` wrote, unchanged — the model traffic through Warden with the access
 * token `warden token` prints (apiKeyHelper), the hook asking Warden with the same login.
 * A policy attached to the hook door only shows the hook's own decision on the full path
 * (the LLM door, under its own policies, lets the call through to the agent).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAuditRecords } from './support/audit-records.js';
import { runClaude } from './support/claude.js';
import { runCli, spawnCli, waitForOutput } from './support/cli-process.js';
import { CLI_CLIENT_ID, DEFAULT_RESOURCE, startTestIdp, type TestIdp } from './support/oidc-idp.js';
import { startUpstream, textReply, toolResults, toolUseReply, type Upstream } from './support/upstream.js';
import { GUARDS_OFF, startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';

let idp: TestIdp;
let up: Upstream;
let w: TestWarden;
let root: string;

before(async () => {
  idp = await startTestIdp();
  up = await startUpstream();
  root = mkdtempSync(join(tmpdir(), 'warden-kit-oidc-'));
  w = await startTestWarden({
    ...claudeViaUpstream(up.url),
    guards: GUARDS_OFF,
    identity: { oidc: [{ issuer: idp.issuer, audience: DEFAULT_RESOURCE, name_claim: 'preferred_username' }] },
    policy: { policies: { 'agent-shell': { permissions: { deny: ['Bash(rm *)'] } } }, attach: { doors: { hook: ['agent-shell'] } } },
  });
});
after(async () => {
  await w?.close();
  await Promise.all([idp?.stop(), up?.close()]);
  rmSync(root, { recursive: true, force: true });
});

test('OIDC login: apiKeyHelper and the hook both act as the logged-in user; the hook\'s policy blocks rm', async () => {
  const loginDir = join(root, 'login');
  const child = spawnCli(['login', '--pkce', '--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--resource', DEFAULT_RESOURCE, '--scope', 'openid offline_access api'], { env: { WARDEN_LOGIN_DIR: loginDir } });
  const closed = new Promise<number | null>((r) => child.on('close', r));
  const url = (await waitForOutput(child, /http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/)).trim();
  await fetch(await idp.authorize(url, 'alice'));
  assert.equal(await closed, 0);
  assert.equal(JSON.parse(readFileSync(join(loginDir, 'credentials.json'), 'utf8')).kind, 'oidc');

  const configDir = join(root, 'claude');
  const c = await runCli(['connect', 'claude-code', '--user', '--dir', configDir, '--url', w.url]);
  assert.equal(c.code, 0, c.stderr);
  const settings = JSON.parse(readFileSync(join(configDir, 'settings.json'), 'utf8')) as Record<string, unknown>;

  const work = join(root, 'work');
  mkdirSync(join(work, 'build'), { recursive: true });
  writeFileSync(join(work, 'build', 'keep.txt'), 'x');
  up.reset();
  up.script((req) => {
    const r = toolResults(req.json);
    return r.length ? textReply(`The tool said: ${r[0]!.text}`) : toolUseReply({ name: 'Bash', input: { command: 'rm -r build', description: 'clean' } });
  });
  const run = await runClaude({ baseUrl: w.url, prompt: 'clean', cwd: work, allowedTools: ['Bash'], settings, env: { WARDEN_LOGIN_DIR: loginDir }, timeoutMs: 90_000 });
  assert.equal(run.timedOut, false, run.stdout + run.stderr);
  assert.equal(existsSync(join(work, 'build', 'keep.txt')), true, 'rm ran');
  assert.match(run.stdout, /Warden blocked the tool call Bash/, run.stdout + run.stderr);
  const recs = readAuditRecords(w.auditDir);
  const llm = recs.filter((r) => r.door === 'llm' && r.status === 200);
  assert.ok(llm.length >= 2, 'both turns went through Warden');
  for (const r of llm) assert.deepEqual([r.consumer, r.issuer], ['alice', idp.issuer]);
  const hook = recs.find((r) => r.door === 'hook');
  assert.ok(hook, 'the hook asked Warden');
  assert.deepEqual([hook.consumer, hook.issuer, hook.tool_decisions?.[0]?.outcome], ['alice', idp.issuer, 'deny']);
  assert.match(hook.tool_decisions![0]!.rule, /agent-shell/);
});
