/**
 * Who holds an audit folder's LOCK, told apart even where pids are not: in containers every
 * replica is pid 1, so a pid alone lets a second writer take a live lock over. A pid means
 * something only on the same kernel (boot id) and in the same pid namespace; there, the
 * process start time tells a live holder from a later process that reused its pid.
 * Elsewhere (another host, another container) the holder cannot be looked at, and only its
 * heartbeat — the LOCK's mtime, refreshed while it runs — shows it is alive.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockHolder {
  v: 1;
  host: string;
  /** /proc/sys/kernel/random/boot_id; '' where there is none (not Linux). */
  boot_id: string;
  /** The pid namespace (`pid:[4026531836]`); '' where unknown. */
  pidns: string;
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22); '' where unknown. */
  start: string;
  /** Random per lock taken: tells this holder's LOCK from a later one. */
  nonce: string;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces); undefined when the process does not exist. */
export function processStartTime(pid: number | 'self'): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at field 3 (state): starttime (22) is index 19.
  return fields[19];
}

export function currentHolder(nonce: string): LockHolder {
  let pidns = '';
  try {
    pidns = readlinkSync('/proc/self/ns/pid');
  } catch {
    // Not Linux: no namespaces to compare.
  }
  return {
    v: 1,
    host: hostname(),
    boot_id: readOr('/proc/sys/kernel/random/boot_id', ''),
    pidns,
    pid: process.pid,
    start: processStartTime('self') ?? '',
    nonce,
  };
}

/** A LOCK's content: a holder, or the pid alone (locks written before holders were recorded). */
export function parseLock(text: string): LockHolder | { legacyPid: number } | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { legacyPid: Number(t) };
  try {
    const v = JSON.parse(t) as Partial<LockHolder>;
    if (v.v === 1 && typeof v.host === 'string' && typeof v.boot_id === 'string' && typeof v.pidns === 'string' && Number.isSafeInteger(v.pid) && typeof v.start === 'string' && typeof v.nonce === 'string') {
      return v as LockHolder;
    }
  } catch {
    // Damaged: judged as no holder.
  }
  return null;
}

export type Liveness = 'alive' | 'gone' | 'unknown';

/**
 * Whether `h` is alive, as far as `me` can see: 'unknown' when it runs where its pid means
 * nothing to us (another kernel or pid namespace), for the heartbeat to decide.
 */
export function holderLiveness(h: LockHolder, me: LockHolder): Liveness {
  if (h.boot_id !== '' && h.boot_id === me.boot_id && h.pidns !== '' && h.pidns === me.pidns) {
    const start = processStartTime(h.pid);
    if (start === undefined) return 'gone';
    return h.start === '' || start === h.start ? 'alive' : 'gone';
  }
  if (h.boot_id === '' && me.boot_id === '' && h.host === me.host) return pidAlive(h.pid) ? 'alive' : 'gone';
  return 'unknown';
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host}${h.boot_id ? ` (boot ${h.boot_id.slice(0, 8)}, ${h.pidns || 'pid namespace unknown'})` : ''}`;
}
