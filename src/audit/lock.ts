/**
 * One writer per audit folder. Two writers appending to the same chain would fork it
 * (both link to the same prev) and verify would report every later record as tampered,
 * so a second Warden pointed at the same folder (shared volume, second replica) must fail
 * at start instead. The LOCK names its holder (lock-identity.ts) and is touched every few
 * seconds while held: a holder we can look at is judged by its process, one we cannot
 * (another host or container) by that heartbeat.
 */
import { closeSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, linkSync, utimesSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { WardenError } from '../core/errors.js';
import { LOCK_FILE } from './files.js';
import { currentHolder, describeHolder, holderLiveness, parseLock, pidAlive } from './lock-identity.js';

/** How often the holder touches LOCK. */
export const LOCK_HEARTBEAT_MS = 5_000;
/** A LOCK untouched this long, whose holder cannot be looked at, is taken to be left by a dead writer. */
export const LOCK_STALE_MS = 30_000;

/** Folders this process holds (a pid check cannot tell two writers of one process apart). */
const heldHere = new Set<string>();

export interface AuditLock {
  release(): void;
}

/**
 * Takes the folder's LOCK; a lock left by a dead writer is taken over, a live one refused
 * with WARDEN_E_CONFIG_INVALID naming its holder. `onLost` is called (once) if the LOCK
 * is later found to belong to someone else (taken over while this process was stalled past
 * LOCK_STALE_MS, or replaced by hand).
 */
export function lockAuditDir(dir: string, onLost: (detail: string) => void = () => {}, heartbeatMs = LOCK_HEARTBEAT_MS): AuditLock {
  const real = realpathSync(dir);
  const path = join(dir, LOCK_FILE);
  const busy = (who: string) =>
    new WardenError('WARDEN_E_CONFIG_INVALID', `audit.dir ${dir} is already written by ${who}; give each Warden process its own audit.dir (remove ${path} only if no Warden writes there)`);
  if (heldHere.has(real)) throw busy('this process');
  const me = currentHolder(randomBytes(12).toString('hex'));
  const mine = JSON.stringify(me);
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(path, mine)) break;
    const text = readOr(path);
    if (text === undefined) continue; // released meanwhile: try again
    const who = staleness(text, path, me);
    if (who !== 'stale') throw busy(who);
    if (attempt >= 3) throw busy('another Warden that keeps taking the lock over');
    takeAside(path, text);
  }
  heldHere.add(real);
  let released = false;
  const timer = setInterval(() => {
    if (readOr(path) !== mine) {
      clearInterval(timer);
      onLost(`the audit LOCK of ${dir} no longer names this process: another writer took it over`);
      return;
    }
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // Checked again on the next beat.
    }
  }, heartbeatMs);
  timer.unref();
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      heldHere.delete(real);
      // Never delete a LOCK that another writer has taken over since.
      if (readOr(path) === mine) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      }
    },
  };
}

/** 'stale', or the description of the live holder. */
function staleness(text: string, path: string, me: ReturnType<typeof currentHolder>): string {
  const h = parseLock(text);
  if (h === null) return 'stale';
  if ('legacyPid' in h) {
    const pid = h.legacyPid;
    return pid > 0 && pid !== process.pid && pidAlive(pid) ? `process ${pid} (an older Warden)` : 'stale';
  }
  const live = holderLiveness(h, me);
  if (live === 'alive') return describeHolder(h);
  if (live === 'gone') return 'stale';
  const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  if (age > LOCK_STALE_MS) return 'stale';
  return `${describeHolder(h)}, which cannot be checked from here but refreshed the lock ${Math.max(0, Math.round(age / 1000))} s ago (a writer that stops refreshing it is taken as gone after ${LOCK_STALE_MS / 1000} s)`;
}

/** Creates LOCK whole (a temporary file linked into place), so no one ever reads a half-written one. */
function tryCreate(path: string, content: string): boolean {
  const tmp = `${path}.new.${randomBytes(6).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes a stale LOCK, but only the one judged: it is renamed aside first and put back if
 * another writer replaced it meanwhile (two Wardens starting at once over one stale lock).
 */
function takeAside(path: string, judged: string): void {
  const aside = `${path}.stale.${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (readOr(aside) !== judged) {
    try {
      linkSync(aside, path);
    } catch {
      // A third writer created one meanwhile: theirs stands.
    }
  }
  unlinkSync(aside);
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
