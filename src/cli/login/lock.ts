/**
 * One refresh at a time per credentials file. Identity providers rotate refresh tokens and
 * treat a second use of a spent one as theft (the whole grant is revoked), so two
 * `warden token` runs at once (Claude Code may start the helper again while one is running)
 * must not both refresh: the second waits and then reads what the first stored.
 */
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { WardenError } from '../../core/errors.js';

/** A lock older than this was left by a killed process. */
const STALE_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withFileLock<T>(lockFile: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lockFile, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new WardenError('WARDEN_E_LOGIN_STORE', `cannot create the lock ${lockFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      try {
        return await fn();
      } finally {
        rmSync(lockFile, { force: true });
      }
    }
    try {
      if (Date.now() - statSync(lockFile).mtimeMs > STALE_MS) rmSync(lockFile, { force: true });
    } catch {
      // released meanwhile
    }
    if (Date.now() > deadline) throw new WardenError('WARDEN_E_LOGIN_STORE', `another warden process holds ${lockFile} for more than ${Math.round(waitMs / 1000)} s; if none runs, remove the file`);
    await sleep(50);
  }
}
