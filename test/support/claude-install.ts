/**
 * The Claude Code binary the tests drive, fetched on first use instead of by `npm install`:
 * it is 383 MB and only the tests need it. One npm install into a cache folder per pinned
 * version, shared by every test file of a run (and later runs); concurrent test files wait on
 * a lock folder instead of installing twice.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const CLAUDE_CODE_VERSION = '2.1.328';

/** `$WARDEN_CLAUDE_CACHE`, else `$XDG_CACHE_HOME/warden`, else `~/.cache/warden`. */
export function claudeCacheDir(): string {
  const base = process.env.WARDEN_CLAUDE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'warden');
  return join(base, `claude-code-${CLAUDE_CODE_VERSION}`);
}

export function claudeBinIn(prefix: string): string {
  return join(prefix, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
}

const LOCK_STALE_MS = 15 * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let pending: Promise<string> | undefined;

/** Path of the claude binary, installing it into the cache first if needed. */
export function ensureClaude(): Promise<string> {
  pending ??= install().catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

async function install(): Promise<string> {
  const prefix = claudeCacheDir();
  const bin = claudeBinIn(prefix);
  const done = join(prefix, '.installed');
  const lock = `${prefix}.lock`;
  mkdirSync(join(prefix, '..'), { recursive: true });
  for (;;) {
    if (existsSync(done) && existsSync(bin)) return bin;
    try {
      mkdirSync(lock);
    } catch {
      // Another test file installs; a lock older than any install is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      await sleep(1000);
      continue;
    }
    try {
      if (existsSync(done) && existsSync(bin)) return bin;
      mkdirSync(prefix, { recursive: true });
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      await promisify(execFile)(npm, ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`], { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
      if (!existsSync(bin)) throw new Error(`npm installed @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into ${prefix} but ${bin} is missing`);
      mkdirSync(done, { recursive: true });
      return bin;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
