/**
 * One writer per audit folder. Two writers appending to the same chain would fork it
 * (both link to the same prev) and verify would report every later record as tampered,
 * so a second Warden pointed at the same folder (shared volume, second replica) must fail
 * at start instead.
 */
import { closeSync, openSync, readFileSync, realpathSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../core/errors.js';
import { LOCK_FILE } from './files.js';

/** Folders this process holds (a pid check cannot tell two writers of one process apart). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's LOCK (pid inside); a lock left by a dead process is taken over. Returns the release function. */
export function lockAuditDir(dir: string): () => void {
  const real = realpathSync(dir);
  const path = join(dir, LOCK_FILE);
  const busy = (who: string) =>
    new WardenError('WARDEN_E_CONFIG_INVALID', `audit.dir ${dir} is already written by ${who}; give each Warden process its own audit.dir (remove ${path} only if no Warden runs)`);
  if (heldHere.has(real)) throw busy('this process');
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw busy(`process ${pid}`);
    writeFileSync(path, String(process.pid), { mode: 0o600 });
  }
  heldHere.add(real);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(real);
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
}
