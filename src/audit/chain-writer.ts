/**
 * The append-only, hash-chained audit writer: JSONL files `audit-000001.jsonl`, … in one
 * folder, each line linked to the one before it by hash, the chain running on across files.
 * See docs/audit.md for the format and what it does and does not guarantee.
 */
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../core/errors.js';
import type { AuditEvent } from './events.js';
import { auditFileName } from './files.js';
import { makeHasher, serializeRecord, type Hasher } from './format.js';
import { HeadWriter } from './head-file.js';
import { lockAuditDir } from './lock.js';
import { recoverChain, setAsideStaleHead, type ChainPosition } from './recover.js';
import type { AuditRecord, AuditSink } from './types.js';

/** Numbers tried past an existing file name when starting a new file (someone created the next one). */
const MAX_NAME_SKIPS = 1000;

export interface AuditLogOptions {
  dir: string;
  /** Start a new file before a line would take the current one past this size. */
  maxFileBytes: number;
  /** Keyed mode: hashes become HMAC-SHA-256 under this key (see docs/audit.md for why it matters). */
  hmacKey?: string;
  /**
   * 'never' (default): append() returns once the line is in the kernel's page cache. That
   * survives the death of the process (kill -9, OOM kill, crash) — the kernel writes the
   * page out later — at the cost of one syscall, which is what a per-request hot path can
   * afford. It does not survive a power loss or kernel panic. 'always': one fdatasync per
   * event-loop turn covering that turn's records (before HEAD is rewritten), so a power
   * loss can lose at most the records of the last turn, at the price of a disk flush
   * (often milliseconds) per turn rather than per request.
   */
  fsync?: 'never' | 'always';
  /**
   * Continue a log written without a key under `hmacKey` (its first keyed record seals the
   * unkeyed ones). Only for the start that generated the key: a keyed log rewritten without
   * the key looks exactly like an old unkeyed one, so at any other start it is refused.
   */
  adoptUnkeyed?: boolean;
  /** How often the LOCK is refreshed and checked (default LOCK_HEARTBEAT_MS); tests shorten it. */
  lockHeartbeatMs?: number;
  /** Things an operator must hear about (a HEAD set aside, a file replaced under the writer): logged and counted by the caller. */
  onEvent?: (e: AuditEvent) => void;
}

export interface AuditLog extends AuditSink {
  /** The last appended record: seq 0 and the genesis hash for an empty log. */
  head(): { seq: number; hash: string };
}

export function openAuditLog(opts: AuditLogOptions): AuditLog {
  if (!Number.isSafeInteger(opts.maxFileBytes) || opts.maxFileBytes <= 0) {
    throw new WardenError('WARDEN_E_CONFIG_INVALID', `audit.max_file_bytes must be a positive integer, got ${opts.maxFileBytes}`);
  }
  // Owner-only: records name consumers and may carry (redacted) bodies — threat: other local users reading them.
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const report = opts.onEvent ?? (() => {});
  let writer: ChainWriter | undefined;
  const lock = lockAuditDir(opts.dir, (detail) => {
    report({ kind: 'lock_lost', file: 'LOCK', detail: `${detail}: this process stops writing (two writers would fork the chain)` });
    writer?.stop(detail);
  }, opts.lockHeartbeatMs);
  const release = () => lock.release();
  try {
    const hasher = makeHasher(opts.hmacKey);
    const pos = recoverChain(opts.dir, hasher, opts.adoptUnkeyed === true && hasher.alg === 'hmac-sha256');
    const lost = setAsideStaleHead(opts.dir, pos, hasher);
    if (lost) {
      report({ kind: 'head_set_aside', file: lost, detail: `audit HEAD in ${opts.dir} did not match the records or was missing (records cut off, replaced, or lost in a power failure): set aside as ${lost}, which \`warden audit verify\` reports until it is investigated and removed` });
    }
    if (pos.plainTip) {
      report({ kind: 'keyed_from_here', file: auditFileName(pos.fileNo), detail: `the audit log in ${opts.dir} was written without a key up to seq ${pos.seq}: it continues keyed in ${auditFileName(pos.fileNo)}, whose first record seals the unkeyed records before it` });
    }
    writer = new ChainWriter(opts.dir, opts.maxFileBytes, opts.fsync === 'always', hasher, pos, release, report);
    return writer;
  } catch (e) {
    release();
    throw e;
  }
}

class ChainWriter implements AuditLog {
  private fd: number;
  private fileNo: number;
  private size: number;
  private seq: number;
  private hash: string;
  /** Part of a line reached the current file: the next append starts a new file. */
  private dirty = false;
  private closed = false;
  private readonly headFile: HeadWriter;
  /** The seq HEAD holds now; behind `seq` until the end of the turn. */
  private headSeq: number;
  /** Records written to the current file since its last fdatasync (fsync mode). */
  private unsynced = false;
  private flushTask: NodeJS.Immediate | null = null;
  /** A flush at the end of a turn failed: reported by the next append() (or close()). */
  private flushError: WardenError | null = null;
  /** Identity of the current file as opened, to notice it being replaced, moved or changed under us. */
  private ino = 0;
  private dev = 0;

  constructor(
    private readonly dir: string,
    private readonly maxFileBytes: number,
    private readonly fsyncAlways: boolean,
    private readonly hasher: Hasher,
    pos: ChainPosition,
    private readonly release: () => void,
    private readonly report: (e: AuditEvent) => void,
  ) {
    this.seq = pos.seq;
    this.hash = pos.hash;
    this.fileNo = pos.fileNo;
    this.size = pos.existingSize ?? 0;
    this.fd = this.openFile(pos.existingSize === null);
    this.headFile = new HeadWriter(dir, hasher, report);
    this.headFile.write(this.seq, this.hash);
    this.headSeq = this.seq;
  }

  /** Set when another writer took the folder's LOCK: appending now would fork the chain. */
  private stopped: string | null = null;

  stop(why: string): void {
    this.stopped = why;
  }

  append(record: AuditRecord): void {
    if (this.closed) throw new WardenError('WARDEN_E_INTERNAL', 'the audit log is closed');
    if (this.stopped) throw new WardenError('WARDEN_E_INTERNAL', `audit record not written: ${this.stopped}`);
    const seq = this.seq + 1;
    const { line, hash } = serializeRecord(record, seq, this.hash, this.hasher);
    const length = Buffer.byteLength(line, 'utf8');
    // Once per event-loop turn, on its first append (not per record): still our file?
    if (this.flushTask === null) this.checkFile();
    if (this.dirty || (this.size > 0 && this.size + length > this.maxFileBytes)) this.rotate();
    this.writeLine(line, length);
    // The line is in the file from here on: the chain moves even if a later step fails,
    // so the next record can never reuse this seq.
    this.seq = seq;
    this.hash = hash;
    this.unsynced = true;
    // HEAD (and the fdatasync) once per event-loop turn, not per record: a crash leaves HEAD
    // behind by this turn's records at most, which open and verify accept as a lag.
    this.flushTask ??= setImmediate(() => {
      this.flushTask = null;
      try {
        this.flush();
      } catch (e) {
        this.flushError = e as WardenError;
      }
    });
    const err = this.flushError;
    if (err) {
      this.flushError = null;
      throw err;
    }
  }

  head(): { seq: number; hash: string } {
    return { seq: this.seq, hash: this.hash };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTask) clearImmediate(this.flushTask);
    this.flushTask = null;
    let err = this.flushError;
    try {
      this.flush();
    } catch (e) {
      err = e as WardenError;
    }
    try {
      if (this.fd >= 0) closeSync(this.fd);
      this.headFile.close();
    } finally {
      this.release();
    }
    if (err) throw err;
  }

  /**
   * A file replaced under the writer (logrotate's move-and-create, `sed -i`, a copy put
   * back) would keep receiving records through the old inode, unseen by verify and lost
   * when that inode goes; bytes appended or cut by someone else would sit inside the
   * chain. Either way the chain continues in a new file, linked to the last record
   * written, and verify judges whatever was done to the old one.
   */
  private checkFile(): void {
    if (this.fd < 0 || this.dirty) return;
    const name = auditFileName(this.fileNo);
    const st = statSync(join(this.dir, name), { throwIfNoEntry: false });
    if (st && st.ino === this.ino && st.dev === this.dev && st.size === this.size) return;
    const what = !st
      ? 'was moved away or deleted'
      : st.ino !== this.ino || st.dev !== this.dev
        ? 'was replaced by another file'
        : `was changed by someone else (${st.size} bytes where the writer wrote ${this.size})`;
    this.report({ kind: 'file_replaced', file: name, detail: `audit file ${join(this.dir, name)} ${what} while Warden was writing it: the chain continues from seq ${this.seq + 1} in a new file` });
    this.dirty = true;
  }

  /** The records of the turn to disk (fsync mode), then HEAD: HEAD may lag the records, never lead them. */
  private flush(): void {
    if (this.fsyncAlways && this.unsynced && this.fd >= 0) this.sync(this.fd);
    if (this.headSeq === this.seq) return;
    try {
      this.headFile.write(this.seq, this.hash);
    } catch (e) {
      throw new WardenError('WARDEN_E_INTERNAL', `audit HEAD update to seq ${this.seq} failed (the records are written)`, { cause: e });
    }
    this.headSeq = this.seq;
  }

  private sync(fd: number): void {
    // Not retried after a failure: a second fdatasync can report success for pages already lost.
    this.unsynced = false;
    try {
      fdatasyncSync(fd);
    } catch (e) {
      // After a failed flush the page cache state is unknown: continue in a fresh file.
      this.dirty = true;
      throw new WardenError('WARDEN_E_INTERNAL', `audit log flush failed (records up to seq ${this.seq} are written but may not be on disk)`, { cause: e });
    }
  }

  /**
   * One writeSync of the whole line in the common case, handed over as the string (node
   * encodes it outside the JS heap: no Buffer per record); a short write is completed from
   * an encoded copy, or poisons the file.
   */
  private writeLine(line: string, length: number): void {
    let off = 0;
    try {
      off = writeSync(this.fd, line, null, 'utf8');
      if (off < length) {
        const bytes = Buffer.from(line, 'utf8');
        while (off < length) off += writeSync(this.fd, bytes, off, length - off);
      }
    } catch (e) {
      if (off > 0) this.dirty = true;
      this.size += off;
      throw new WardenError('WARDEN_E_INTERNAL', 'audit log write failed', { cause: e });
    }
    this.size += length;
  }

  private rotate(): void {
    if (this.fd >= 0) {
      const old = this.fd;
      // The turn's flush only reaches the file then current: sync this one's records now.
      // A failure is reported after the record being appended is written, not instead of it.
      if (this.fsyncAlways && this.unsynced) {
        try {
          this.sync(old);
        } catch (e) {
          this.flushError = e as WardenError;
        }
      }
      this.fd = -1; // never close a stale number twice: the OS may have reused it
      closeSync(old);
    }
    this.dirty = true; // until the new file is open, every append retries the rotation
    for (let skips = 0; ; skips++) {
      this.fileNo++;
      try {
        this.fd = this.openFile(true);
        break;
      } catch (e) {
        // Someone created the next name (logrotate's `create`): never append to it, take the next.
        if ((e as NodeJS.ErrnoException).code === 'EEXIST' && skips < MAX_NAME_SKIPS) continue;
        throw new WardenError('WARDEN_E_INTERNAL', 'audit log could not start a new file', { cause: e });
      }
    }
    this.size = 0;
    this.dirty = false;
  }

  private openFile(create: boolean): number {
    const path = join(this.dir, auditFileName(this.fileNo));
    // 'ax' refuses an existing file: never append to a file another writer created.
    const fd = openSync(path, create ? 'ax' : 'a', 0o600);
    const st = fstatSync(fd);
    this.ino = st.ino;
    this.dev = st.dev;
    if (create && this.fsyncAlways) {
      const d = openSync(this.dir, 'r');
      try {
        fsyncSync(d);
      } finally {
        closeSync(d);
      }
    }
    return fd;
  }
}
