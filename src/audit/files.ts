/** Where the audit files live and how they are named and ordered. */
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const FILE_RE = /^audit-(\d{6,})\.jsonl$/;

export const HEAD_FILE = 'HEAD';
export const LOCK_FILE = 'LOCK';
/** Prefix of HEAD files the writer set aside because the records no longer reached them. */
export const LOST_HEAD_PREFIX = 'HEAD.lost.';

/** Content of the HEAD.lost.* file the writer leaves when it finds records but no HEAD. */
export const MISSING_HEAD_MARK = 'HEAD was missing\n';

/** A fresh name for a set-aside HEAD: the time, and a random tail so two in one millisecond never overwrite each other. */
export function lostHeadName(): string {
  return `${LOST_HEAD_PREFIX}${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
}

export function auditFileName(n: number): string {
  return `audit-${String(n).padStart(6, '0')}.jsonl`;
}

export interface AuditFile {
  n: number;
  name: string;
  path: string;
}

/** The audit files of `dir`, oldest first; [] when the folder does not exist. */
export function listAuditFiles(dir: string): AuditFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: AuditFile[] = [];
  for (const name of names) {
    const m = FILE_RE.exec(name);
    if (m) out.push({ n: Number(m[1]), name, path: join(dir, name) });
  }
  return out.sort((a, b) => a.n - b.n);
}

export function listLostHeads(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.startsWith(LOST_HEAD_PREFIX)).sort();
  } catch {
    return [];
  }
}

export interface TailLines {
  /** Complete (newline-terminated) lines, oldest first, without their newline. */
  lines: Buffer[];
  /** The file ends with bytes after its last newline (a write cut short). */
  torn: boolean;
  size: number;
  /** The lines reach back to the start of the file (it was read whole). */
  complete: boolean;
}

const FIRST_WINDOW = 64 * 1024;
/** Beyond this a tail read gives up looking further back (a file that is mostly one giant line). */
const MAX_WINDOW = 256 * 1024 * 1024;

/**
 * Reads the end of a file and returns its last complete lines, growing the window
 * until `enough(lines)` is satisfied or the whole file was read. Used on open (to find
 * the chain head) and by `tail`, so it never reads a GB log from the start.
 */
export function readTailLines(path: string, enough: (lines: Buffer[]) => boolean): TailLines {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { lines: [], torn: false, size, complete: true };
    let window = Math.min(FIRST_WINDOW, size);
    for (;;) {
      const from = size - window;
      const buf = Buffer.allocUnsafe(window);
      let got = 0;
      while (got < window) {
        const n = readSync(fd, buf, got, window - got, from + got);
        if (n === 0) break;
        got += n;
      }
      const data = buf.subarray(0, got);
      const lastNl = data.lastIndexOf(0x0a);
      const torn = got > 0 && data[got - 1] !== 0x0a;
      const lines: Buffer[] = [];
      if (lastNl >= 0) {
        // The first piece is a partial line unless the window starts at the file's start.
        let start = from === 0 ? 0 : data.indexOf(0x0a) + 1;
        while (start <= lastNl) {
          const nl = data.indexOf(0x0a, start);
          lines.push(data.subarray(start, nl));
          start = nl + 1;
        }
      }
      if (enough(lines) || from === 0 || window >= MAX_WINDOW) return { lines, torn, size, complete: from === 0 };
      window = Math.min(window * 4, size, MAX_WINDOW);
    }
  } finally {
    closeSync(fd);
  }
}

export function fileSize(path: string): number {
  return statSync(path).size;
}
