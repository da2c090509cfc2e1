/**
 * Reading the audit log for people: the last N records, following new ones as they are
 * written, and searching by field. Reads never take the writer's lock and never write.
 * Damaged lines are skipped here; `verify` is the place that reports them.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { listAuditFiles, readTailLines, type AuditFile, fileSize } from './files.js';
import { LineBuffer, forEachLine } from './lines.js';
import { compileFilter, type AuditFilter } from './search-filter.js';
import type { ChainedRecord } from './types.js';

export type { AuditFilter } from './search-filter.js';

function parseRecord(text: string): ChainedRecord | null {
  try {
    const v = JSON.parse(text) as ChainedRecord;
    return typeof v === 'object' && v !== null && typeof v.seq === 'number' ? v : null;
  } catch {
    return null;
  }
}

/** The last `n` records, oldest first, reading only the end of the newest files. */
export function tailAudit(dir: string, n: number): ChainedRecord[] {
  if (n <= 0) return [];
  const files = listAuditFiles(dir);
  const out: ChainedRecord[] = [];
  for (let i = files.length - 1; i >= 0 && out.length < n; i--) {
    const want = n - out.length;
    const { lines } = readTailLines(files[i]!.path, (ls) => ls.length >= want);
    const got: ChainedRecord[] = [];
    for (let j = lines.length - 1; j >= 0 && got.length < want; j--) {
      const r = parseRecord(lines[j]!.toString('utf8'));
      if (r) got.push(r);
    }
    out.push(...got);
  }
  return out.reverse();
}

export interface FollowOptions {
  /** Emit every record after this seq (e.g. the last one `tail` printed); default: only records written from now on. */
  afterSeq?: number;
  pollMs?: number;
}

/**
 * Calls `onRecord` for each new record until `signal` aborts (like `tail -f`), moving on to
 * the next file when the writer rotates. Polls (fs.watch misses events on some file systems).
 */
export async function followAudit(dir: string, onRecord: (r: ChainedRecord) => void, signal: AbortSignal, opts: FollowOptions = {}): Promise<void> {
  const pollMs = opts.pollMs ?? 200;
  const afterSeq = opts.afterSeq;
  let files = listAuditFiles(dir);
  let cur: AuditFile | undefined = afterSeq === undefined ? files[files.length - 1] : startFile(files, afterSeq);
  let offset = cur && afterSeq === undefined ? fileSize(cur.path) : 0;
  const lb = new LineBuffer();
  const emit = (buf: Buffer, start: number, end: number) => {
    const r = parseRecord(buf.toString('utf8', start, end));
    if (r && (afterSeq === undefined || r.seq > afterSeq)) onRecord(r);
  };
  while (!signal.aborted) {
    if (cur) offset = drain(cur.path, offset, lb, emit);
    files = listAuditFiles(dir);
    const next = files.find((f) => f.n > (cur?.n ?? 0));
    if (next) {
      // Read the old file once more: its last lines may have landed after the drain above.
      if (cur) drain(cur.path, offset, lb, emit);
      lb.reset(); // a partial line left in the old file is torn; verify reports it
      cur = next;
      offset = 0;
      continue;
    }
    try {
      await sleep(pollMs, undefined, { signal });
    } catch {
      return;
    }
  }
}

/** The file holding the record after `seq`: the last one whose first record is at most seq + 1. */
function startFile(files: AuditFile[], seq: number): AuditFile | undefined {
  for (let i = files.length - 1; i > 0; i--) {
    const first = firstSeq(files[i]!.path);
    if (first !== null && first <= seq + 1) return files[i];
  }
  return files[0];
}

function firstSeq(path: string): number | null {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const m = /"seq":(\d+)/.exec(buf.toString('utf8', 0, n));
    return m ? Number(m[1]) : null;
  } finally {
    closeSync(fd);
  }
}

/** Reads `path` from `offset` to its current end, emitting complete lines; returns the new offset. */
function drain(path: string, offset: number, lb: LineBuffer, emit: (buf: Buffer, s: number, e: number) => void): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return offset;
  }
  try {
    for (;;) {
      lb.reserve();
      const n = readSync(fd, lb.buf, lb.filled, lb.buf.length - lb.filled, offset);
      if (n === 0) return offset;
      offset += n;
      lb.commit(n, (buf, s, e) => emit(buf, s, e));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The most recent `limit` records matching every given field, oldest first. Streams all
 * files with asynchronous reads; a cheap byte test skips most non-matching lines before
 * any JSON parsing.
 */
export async function searchAudit(dir: string, filter: AuditFilter, limit: number): Promise<ChainedRecord[]> {
  if (limit <= 0) return [];
  const test = compileFilter(filter);
  const ring: ChainedRecord[] = [];
  let next = 0;
  for (const f of listAuditFiles(dir)) {
    await forEachLine(f.path, (buf, start, end, _n, terminated) => {
      if (!terminated) return;
      const text = buf.toString('utf8', start, end);
      if (!test.quick(text)) return;
      const r = parseRecord(text);
      if (!r || !test.full(r)) return;
      if (ring.length < limit) ring.push(r);
      else ring[next] = r;
      next = (next + 1) % limit;
    });
  }
  return ring.length < limit ? ring : [...ring.slice(next), ...ring.slice(0, next)];
}
