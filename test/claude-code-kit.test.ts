/**
 * The Claude Code kit with the real Claude Code binary: the settings `warden connect
 * claude-code` wrote, the PreToolUse hook asking a real Warden (the compiled lean entry:
 * `npm run build` first), a local model server asking for the tool calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClaude } from './support/claude.js';
import { runCli } from './support/cli-process.js';
import { readAuditRecords } from './support/audit-records.js';
import { startUpstream, textReply, toolUseReply, toolResults, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, startTestWarden, type TestWarden } from './support/warden.js';

type Settings = Record<string, unknown> & { env?: Record<string, string>; hooks?: { PreToolUse?: { hooks: { command: string }[] }[] } };

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Runs `warden connect claude-code --user` into a fresh Claude config dir; returns what it wrote. */
export async function connectedSettings(url: string): Promise<Settings> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-connect-'));
  try {
    const r = await runCli(['connect', 'claude-code', '--user', '--dir', dir, '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Settings;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The model traffic goes straight to the local model server: only the hook stands between the model's tool call and the shell. */
function hookOnly(s: Settings): Settings {
  const { env: _env, apiKeyHelper: _helper, ...rest } = s;
  return rest;
}

describe('warden connect claude-code and the PreToolUse hook, with the real Claude Code binary', () => {
  let upstream: Upstream;
  let w: TestWarden;
  let loginDir: string;
  let work: string;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({ providers: anthropicUpstreamConfig(upstream.url), models: [{ match: 'claude-*', provider: 'anthropic' }], guards: { tool_use: {} } });
    loginDir = join(mkdtempSync(join(tmpdir(), 'warden-login-')), 'warden');
    const login = await runCli(['login', '--key', w.key('dev').key], { env: { WARDEN_LOGIN_DIR: loginDir } });
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    await w.close();
    await upstream.close();
    rmSync(join(loginDir, '..'), { recursive: true, force: true });
  });

  const fresh = () => (work = mkdtempSync(join(tmpdir(), 'warden-kit-')));
  const cleanup = () => rmSync(work, { recursive: true, force: true });

  test('rm -rf: the hook asks Warden, the command never runs, and Warden\'s reason reaches the model and the user', async () => {
    const dir = fresh();
    try {
      mkdirSync(join(dir, 'build'));
      writeFileSync(join(dir, 'build', 'keep.txt'), 'still here');
      upstream.reset();
      upstream.script((req) => {
        const r = toolResults(req.json);
        return r.length ? textReply(`The tool said: ${r[0]!.text}`) : toolUseReply({ name: 'Bash', input: { command: 'rm -rf ./build && touch rm-ran.marker', description: 'clean' } });
      });
      const settings = hookOnly(await connectedSettings(w.url));
      const run = await runClaude({ baseUrl: upstream.url, authToken: 'sk-ant-test', prompt: 'clean the build folder', cwd: dir, allowedTools: ['Bash'], settings, env: { WARDEN_LOGIN_DIR: loginDir } });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.equal(existsSync(join(dir, 'rm-ran.marker')), false, 'the refused command ran');
      assert.equal(existsSync(join(dir, 'build', 'keep.txt')), true);
      const result = upstream.messageRequests().flatMap((r) => toolResults(r.json))[0];
      assert.ok(result, 'Claude Code sent the refusal back as the tool result');
      assert.match(result.text, /Warden blocked the tool call Bash/);
      assert.match(run.stdout, /Warden blocked the tool call Bash: `rm` matches defaults\.deny/);
      const rec = readAuditRecords(w.auditDir).find((r) => r.door === 'hook' && r.tool_decisions?.some((d) => d.outcome === 'deny'));
      assert.ok(rec, 'the hook\'s decision is audited like the gateway\'s');
      assert.match(rec.tool_decisions![0]!.rule, /^tool_use\.defaults\.deny:/);
      assert.equal(rec.consumer, 'dev');
    } finally {
      cleanup();
    }
  });

  test('rm --force --recursive, a spelling Claude Code\'s own deny list misses: the hook still blocks it', async () => {
    const dir = fresh();
    try {
      mkdirSync(join(dir, 'build'));
      upstream.reset();
      upstream.script((req) => (toolResults(req.json).length ? textReply('ok') : toolUseReply({ name: 'Bash', input: { command: 'rm --force --recursive build; touch rm-ran.marker', description: 'clean' } })));
      const run = await runClaude({ baseUrl: upstream.url, authToken: 'sk-ant-test', prompt: 'clean', cwd: dir, allowedTools: ['Bash'], settings: hookOnly(await connectedSettings(w.url)), env: { WARDEN_LOGIN_DIR: loginDir } });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.equal(existsSync(join(dir, 'rm-ran.marker')), false);
      assert.equal(existsSync(join(dir, 'build')), true);
      assert.match(toolResults(upstream.messageRequests().at(-1)!.json)[0]?.text ?? '', /Warden blocked the tool call Bash/);
    } finally {
      cleanup();
    }
  });

  test('npm test is allowed: the hook gives no decision and the command runs', async () => {
    const dir = fresh();
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', private: true, scripts: { test: 'touch npm-test-ran.marker' } }));
      upstream.reset();
      upstream.script((req) => (toolResults(req.json).length ? textReply('Tests ran.') : toolUseReply({ name: 'Bash', input: { command: 'npm test', description: 'test' } })));
      const run = await runClaude({ baseUrl: upstream.url, authToken: 'sk-ant-test', prompt: 'run the tests', cwd: dir, allowedTools: ['Bash'], settings: hookOnly(await connectedSettings(w.url)), env: { WARDEN_LOGIN_DIR: loginDir }, timeoutMs: 60_000 });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.equal(existsSync(join(dir, 'npm-test-ran.marker')), true, run.stdout + run.stderr);
      assert.match(run.stdout, /Tests ran\./);
    } finally {
      cleanup();
    }
  });

  test('the settings as connect wrote them: the model traffic goes through Warden with the key of `warden login --key`, via apiKeyHelper', async () => {
    const dir = fresh();
    try {
      upstream.reset();
      upstream.script((req) => (toolResults(req.json).length ? textReply('Marked through Warden.') : toolUseReply({ name: 'Bash', input: { command: 'touch via-gateway.marker', description: 'mark' } })));
      const settings = await connectedSettings(w.url);
      assert.equal(settings.env?.ANTHROPIC_BASE_URL, w.url);
      assert.match(String(settings.apiKeyHelper), / token$/);
      assert.doesNotMatch(JSON.stringify(settings), /wdn_/, 'no key in the settings file');
      // No ANTHROPIC_AUTH_TOKEN / ANTHROPIC_API_KEY: the only credential is what apiKeyHelper prints.
      const run = await runClaude({ baseUrl: w.url, prompt: 'mark', cwd: dir, allowedTools: ['Bash'], settings, env: { WARDEN_LOGIN_DIR: loginDir }, timeoutMs: 60_000 });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.match(run.stdout, /Marked through Warden\./, run.stdout + run.stderr);
      assert.equal(existsSync(join(dir, 'via-gateway.marker')), true);
      const records = readAuditRecords(w.auditDir);
      assert.ok(records.some((r) => r.door === 'llm' && r.consumer === 'dev' && r.status === 200), 'the model call went through Warden as the logged-in consumer');
      assert.ok(records.some((r) => r.door === 'hook' && r.consumer === 'dev' && r.tool_decisions?.[0]?.tool === 'Bash'), 'and the hook asked Warden');
    } finally {
      cleanup();
    }
  });

  test('Warden down: the hook fails closed and even a harmless command is blocked', async () => {
    const dir = fresh();
    try {
      upstream.reset();
      upstream.script((req) => {
        const r = toolResults(req.json);
        return r.length ? textReply(`The tool said: ${r[0]!.text}`) : toolUseReply({ name: 'Bash', input: { command: 'touch down.marker', description: 'mark' } });
      });
      const down = `http://127.0.0.1:${await closedPort()}`;
      const run = await runClaude({ baseUrl: upstream.url, authToken: 'sk-ant-test', prompt: 'mark', cwd: dir, allowedTools: ['Bash'], settings: hookOnly(await connectedSettings(down)), env: { WARDEN_LOGIN_DIR: loginDir } });
      assert.equal(run.timedOut, false, run.stdout + run.stderr);
      assert.equal(existsSync(join(dir, 'down.marker')), false, 'a call ran while Warden could not judge it');
      assert.match(run.stdout, /unreachable/);
    } finally {
      cleanup();
    }
  });
});
