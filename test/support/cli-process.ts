/**
 * Runs Warden's CLI as a separate process — through bin/warden.js, the file npm links as
 * `warden`, when the tests run compiled; through tsx when they run from source — so tests
 * can signal and kill it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const compiled = here.endsWith('.js');
const root = fileURLToPath(new URL(compiled ? '../../../' : '../../', import.meta.url));

export function cliCommand(args: string[]): { cmd: string; args: string[]; cwd: string } {
  // tsx resolved here, not by name: a command run in a temp folder would not find it there.
  const entry = compiled ? `${root}bin/warden.js` : `${root}src/cli/bin.ts`;
  return { cmd: process.execPath, args: compiled ? [entry, ...args] : ['--import', import.meta.resolve('tsx'), entry, ...args], cwd: root };
}

export function spawnCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  const c = cliCommand(args);
  return spawn(c.cmd, c.args, { cwd: opts.cwd ?? c.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Waits until the child prints a line matching `re` on stderr or stdout. */
export function waitForOutput(child: ChildProcess, re: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const on = (d: Buffer) => {
      seen += d.toString();
      const m = re.exec(seen);
      if (m) {
        clearTimeout(t);
        child.stdout!.off('data', on);
        child.stderr!.off('data', on);
        resolve(m[0]);
      }
    };
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output so far:\n${seen}`)), timeoutMs);
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
  });
}
