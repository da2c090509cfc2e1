/**
 * Runs the real Claude Code binary (`claude -p`) against a local server, hermetically:
 * a fresh HOME and config dir per run, no inherited ANTHROPIC_* / CLAUDE_* variables, no
 * traffic to outside hosts, and a timeout that kills the whole process group.
 * docs/testing.md records what the binary does on the wire and why each setting is here.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClaude } from './claude-install.js';

/** The standalone binary shipped by @anthropic-ai/claude-code, fetched into a cache on first use (claude-install.ts). */
export { ensureClaude, CLAUDE_CODE_VERSION } from './claude-install.js';

export interface RunClaudeOptions {
  /** Root URL without `/v1` (ANTHROPIC_BASE_URL). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer` (ANTHROPIC_AUTH_TOKEN). */
  authToken?: string;
  /** Sent as `x-api-key` (ANTHROPIC_API_KEY). */
  apiKey?: string;
  prompt: string;
  /** Working directory; default a fresh empty temporary directory. */
  cwd?: string;
  /** Passed as `--allowedTools a,b` (e.g. `Bash`, `Read`, `Bash(touch *)`). */
  allowedTools?: string[];
  model?: string;
  /** Default 45 000 ms; on expiry the process group gets SIGKILL. */
  timeoutMs?: number;
  /** Extra environment, applied last (it may override the defaults below). */
  env?: Record<string, string>;
  /** Written as `<config dir>/settings.json` (permissions, hooks, apiKeyHelper, …). */
  settings?: Record<string, unknown>;
  extraArgs?: string[];
}

export interface ClaudeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Informational only; never assert on it. */
  durationMs: number;
}

/**
 * Settings that keep the binary off the network and quiet. Without
 * DISABLE_NONESSENTIAL_TRAFFIC it looks up api.anthropic.com (telemetry, feature flags)
 * and sends `HEAD /api/hello` to the base URL; with it, the only traffic is to baseUrl.
 */
export const HERMETIC_ENV: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_GROWTHBOOK: '1',
  CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
};

/** Only these are taken from the parent environment; everything else is set explicitly. */
const INHERITED = ['PATH', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ'];

export function claudeEnv(opts: RunClaudeOptions, home: string, configDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) { const v = process.env[name]; if (v !== undefined) env[name] = v; }
  Object.assign(env, HERMETIC_ENV, {
    HOME: home,
    CLAUDE_CONFIG_DIR: configDir,
    TMPDIR: join(home, 'tmp'),
    SHELL: '/bin/bash',
    TERM: 'dumb',
    ANTHROPIC_BASE_URL: opts.baseUrl,
  });
  if (opts.authToken !== undefined) env.ANTHROPIC_AUTH_TOKEN = opts.authToken;
  if (opts.apiKey !== undefined) env.ANTHROPIC_API_KEY = opts.apiKey;
  return Object.assign(env, opts.env);
}

export function claudeArgs(opts: RunClaudeOptions): string[] {
  const args = ['-p'];
  if (opts.model) args.push('--model', opts.model);
  if (opts.allowedTools?.length) args.push('--allowedTools', opts.allowedTools.join(','));
  args.push(...(opts.extraArgs ?? []));
  // `--` so a prompt starting with "-" is never read as a flag.
  args.push('--', opts.prompt);
  return args;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
}

export async function runClaude(opts: RunClaudeOptions): Promise<ClaudeRun> {
  const root = await mkdtemp(join(tmpdir(), 'warden-claude-'));
  const home = join(root, 'home');
  const configDir = join(root, 'config');
  const cwd = opts.cwd ?? join(root, 'work');
  await Promise.all([mkdir(join(home, 'tmp'), { recursive: true }), mkdir(configDir), mkdir(cwd, { recursive: true })]);
  if (opts.settings) await writeFile(join(configDir, 'settings.json'), JSON.stringify(opts.settings));
  const claudeBin = await ensureClaude();
  const started = Date.now();
  try {
    return await new Promise<ClaudeRun>((resolve, reject) => {
      // detached: its own process group, so tools it spawned die with it on timeout.
      const child = spawn(claudeBin, claudeArgs(opts), { cwd, env: claudeEnv(opts, home, configDir), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const timer = setTimeout(() => { timedOut = true; killGroup(child.pid); }, opts.timeoutMs ?? 45_000);
      // Leftover children (a backgrounded shell) would hold the pipes open; end the group.
      child.on('exit', () => killGroup(child.pid));
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          code, signal, timedOut,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          durationMs: Date.now() - started,
        });
      });
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
