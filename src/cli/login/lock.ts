/**
 * One refresh at a time per credentials file. Identity providers rotate refresh tokens and
 * treat a second use of a spent one as theft (the whole grant is revoked), so two
 * `warden token` runs at once (Claude Code may start the helper again while one is running)
 * must not both refresh: the second waits and then reads what the first stored.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
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
    breakIfStale(lockFile);
    if (Date.now() > deadline) throw new WardenError('WARDEN_E_LOGIN_STORE', `another warden process holds ${lockFile} for more than ${Math.round(waitMs / 1000)} s; if none runs, remove the file`);
    await sleep(50);
  }
}

/** False only when the process is known to be gone (ESRCH); EPERM means it runs as another user. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * A lock whose process died (a crashed or killed `warden token`) is taken over at once, not
 * after STALE_MS; one older than STALE_MS is taken over whatever it says. It is first renamed
 * aside: of two waiters breaking it, only one rename succeeds, and the other does not remove
 * the lock the first then creates.
 */
function breakIfStale(lockFile: string): void {
  let stale: boolean;
  try {
    const st = statSync(lockFile);
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    stale = Date.now() - st.mtimeMs > STALE_MS || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid));
  } catch {
    return; // released meanwhile
  }
  if (!stale) return;
  const aside = `${lockFile}.stale.${process.pid}.${Date.now()}`;
  try {
    renameSync(lockFile, aside);
  } catch {
    return; // another waiter broke it first
  }
  rmSync(aside, { force: true });
}
