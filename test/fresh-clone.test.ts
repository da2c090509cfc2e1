/**
 * The operator's first hour, replayed as the README tells it: a fresh clone, `npm install`,
 * `npm start` (here on free ports), the CLI through the bin link npm provides (`npx warden`),
 * and the real Claude Code binary answered through Warden with its guards on. Every step
 * must succeed and say what it did; nothing may silently do nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClaude } from './support/claude.js';
import { waitForOutput } from './support/cli-process.js';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));

function sh(cmd: string, args: string[], cwd: string, timeoutMs = 10 * 60_000): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WARDEN_CONFIG: '', NODE_TEST_CONTEXT: '' } });
}

test('README path: clone, install, start, npx warden, claude -p answered through Warden with guards on', { timeout: 25 * 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-clone-'));
  const clone = join(dir, 'warden');
  let server: ChildProcess | undefined;
  t.after(() => {
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const head = sh('git', ['rev-parse', 'HEAD'], root).trim();
  sh('git', ['clone', '--quiet', '--no-checkout', root, clone], dir);
  sh('git', ['checkout', '--quiet', head], clone);

  const readme = readFileSync(join(clone, 'README.md'), 'utf8');
  assert.match(readme, /npm install\b/);
  assert.match(readme, /npm start\b/);
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], clone);
  assert.equal(JSON.parse(sh('npm', ['ls', '--json', '--depth=0'], clone)).dependencies['@anthropic-ai/claude-code'], undefined, 'npm install does not pull Claude Code');

  // `npm start` as the README says, on free ports; its own process group so it stops cleanly.
  server = spawn('npm', ['start', '--', '--port', '0', '--admin-port', '0'], { cwd: clone, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, WARDEN_CONFIG: '', NODE_TEST_CONTEXT: '' } });
  const banner = await waitForOutput(server, /ANTHROPIC_BASE_URL=(\S+)[\s\S]*?ANTHROPIC_AUTH_TOKEN=(wdn_\w+)[\s\S]*?shown once/, 10 * 60_000);
  const baseUrl = /ANTHROPIC_BASE_URL=(\S+)/.exec(banner)![1]!;
  const token = /ANTHROPIC_AUTH_TOKEN=(wdn_\w+)/.exec(banner)![1]!;

  // The CLI through npm's bin link, in the clone: it sees the key the start created.
  const keys = sh('npx', ['--no-install', 'warden', 'keys', 'list'], clone, 120_000);
  assert.match(keys, /local-dev\tbootstrap\tmodels=\*\tactive/);
  assert.match(sh('npx', ['--no-install', 'warden', 'config', 'check'], clone, 120_000), /built-in default.*: ok/);

  const run = await runClaude({ baseUrl, authToken: token, prompt: 'say hi', timeoutMs: 120_000 });
  assert.equal(run.code, 0, `claude -p failed: ${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /Warden's built-in mock provider/);

  const verify = sh('npx', ['--no-install', 'warden', 'audit', 'verify'], clone, 120_000);
  assert.match(verify, /audit log OK: [1-9]\d* record/);
  process.kill(-server.pid!, 'SIGINT');
  await new Promise((r) => server!.once('close', r));
});

test('the start banner says which guards are on', async () => {
  // The same banner line the README shows, from the embedded default's config.
  const { guardLines } = await import('../src/cli/start.js');
  const { defaultConfig } = await import('../src/config/load.js');
  assert.deepEqual(guardLines(defaultConfig()), ['Guards: secrets on (redact), PII on (log), tool-use on (default agent rules), responses scanned']);
});
