/**
 * The files a scan reads. In a git work tree, git decides: `git ls-files -co
 * --exclude-standard` (tracked plus untracked files not ignored), streamed NUL-separated;
 * elsewhere a walker that honours .gitignore. Either way at most `max` files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { walkIgnoring } from './gitignore.js';

export function isGitWorkTree(dir: string): boolean {
  const r = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && r.stdout.trim() === 'true';
}

async function* gitFiles(dir: string, max: number): AsyncGenerator<string> {
  // Relative to dir even when dir is below the work tree's root.
  const child = spawn('git', ['ls-files', '-co', '--exclude-standard', '-z', '--', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
  child.on('error', () => undefined);
  let rest = '';
  let count = 0;
  try {
    for await (const chunk of child.stdout) {
      const parts = (rest + (chunk as Buffer).toString('utf8')).split('\0');
      rest = parts.pop()!;
      for (const p of parts) {
        if (!p) continue;
        yield p;
        if (++count >= max) return;
      }
    }
    if (rest) yield rest;
  } finally {
    child.kill();
  }
}

export function listFiles(dir: string, inGit: boolean, max: number): AsyncIterable<string> | Iterable<string> {
  return inGit ? gitFiles(dir, max) : walkIgnoring(dir, max);
}
