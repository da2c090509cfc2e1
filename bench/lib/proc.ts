/**
 * Child processes of the harness: started pinned to one CPU with taskset (which execs, so
 * the pid is the program's own), remembered so that every one of them is stopped when the
 * harness ends, however it ends. Only processes started here are ever signalled.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';

const children = new Set<ChildProcess>();

export interface Started {
  child: ChildProcess;
  pid: number;
  /** Everything the program wrote, kept in a log file under the run directory. */
  logFile: string;
}

export function spawnPinned(cpu: number | string, cmd: string, args: string[], logFile: string, opts: SpawnOptions = {}): Started {
  const child = spawn('taskset', ['-c', String(cpu), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  children.add(child);
  child.once('exit', () => {
    children.delete(child);
    log.end();
  });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return { child, pid: child.pid, logFile };
}

/** Runs a command to completion and returns its stdout; rejects with its stderr on failure. */
export function runCommand(cmd: string, args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${err.trim() || out.trim()}`));
    });
  });
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Resolves once something accepts TCP connections on the port, or rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A free TCP port on 127.0.0.1 (asks the kernel for one, then releases it). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves with what a child prints after `LISTENING ` on its stdout (its port or URL); rejects if it exits first. */
export function listeningOn(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /LISTENING (\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before listening`)));
  });
}

/** Starts bench/lib/mock-upstream.ts pinned to `cpu` and resolves with it and the port it prints. */
export async function startMockUpstream(cpu: number | string, benchDir: string, runDir: string, repoDir: string): Promise<{ mock: Started; upstreamPort: number }> {
  const mock = spawnPinned(cpu, process.execPath, ['--import', 'tsx', `${benchDir}/lib/mock-upstream.ts`], `${runDir}/mock.log`, { cwd: repoDir });
  const upstreamPort = Number(await listeningOn(mock.child, `the mock upstream (see ${mock.logFile})`));
  return { mock, upstreamPort };
}
