/**
 * HEAD: a small fixed-size file holding the seq and hash of the last appended record.
 * The chain alone cannot show that records were cut off its end (what is left is still a
 * valid chain); HEAD remembers how far it reached. The writer rewrites it in place (one
 * pwrite of 256 bytes) once per event-loop turn, after that turn's records: a write per
 * record doubled the syscalls of the hot path, while a turn bounds what can vanish unseen
 * to the records of the last turn before a crash — a time bound, where "every N appends"
 * would leave the last N-1 records unprotected however long the log then sits idle.
 * In keyed mode it carries a MAC so it cannot be rewritten to match a shortened log
 * without the key (threat: silent truncation by someone who can write the files).
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent } from './events.js';
import { HEAD_FILE, lostHeadName } from './files.js';
import { isHex64, type HashAlg, type Hasher } from './format.js';

export const HEAD_SIZE = 256;

export interface HeadState {
  alg: HashAlg;
  seq: number;
  hash: string;
  mac?: string;
}

function macInput(seq: number, hash: string): string {
  return `warden-audit-head:${seq}:${hash}`;
}

export type HeadRead =
  | { state: 'missing' }
  | { state: 'malformed'; detail: string }
  | { state: 'ok'; head: HeadState };

export function parseHead(bytes: Buffer): HeadRead {
  // Every byte counts: JSON, then only spaces, then one newline; anything else is damage.
  if (bytes.length !== HEAD_SIZE || bytes[HEAD_SIZE - 1] !== 0x0a) return { state: 'malformed', detail: `HEAD is not ${HEAD_SIZE} bytes ending in a newline` };
  const text = bytes.toString('latin1', 0, HEAD_SIZE - 1);
  const close = text.indexOf('}');
  if (close < 0 || !/^ *$/.test(text.slice(close + 1))) return { state: 'malformed', detail: 'HEAD has bytes after its JSON' };
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text.slice(0, close + 1)) as Record<string, unknown>;
  } catch {
    return { state: 'malformed', detail: 'HEAD is not valid JSON' };
  }
  const alg = v.alg;
  if (v.v !== 1 || (alg !== 'sha256' && alg !== 'hmac-sha256') || !Number.isSafeInteger(v.seq) || (v.seq as number) < 0 || !isHex64(v.hash)) {
    return { state: 'malformed', detail: 'HEAD fields are missing or invalid' };
  }
  if (alg === 'hmac-sha256' && !isHex64(v.mac)) return { state: 'malformed', detail: 'keyed HEAD has no valid mac' };
  const head: HeadState = { alg, seq: v.seq as number, hash: v.hash };
  if (alg === 'hmac-sha256') head.mac = v.mac as string;
  return { state: 'ok', head };
}

export function readHead(path: string): HeadRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw e;
  }
  return parseHead(bytes);
}

/** True when the MAC matches under `hasher` (always true for unkeyed heads, which carry none). */
export function headMacOk(head: HeadState, hasher: Hasher): boolean {
  if (head.alg !== 'hmac-sha256') return true;
  return hasher.alg === 'hmac-sha256' && hasher(macInput(head.seq, head.hash)) === head.mac;
}

/**
 * Keeps HEAD's fd open and rewrites the whole 256 bytes at offset 0 on each update. Before
 * each update (once per event-loop turn) it checks that the name still leads to its file:
 * a HEAD replaced or deleted under the writer would otherwise never be updated again. A
 * replacement is set aside as evidence (verify reports it) and reported.
 */
export class HeadWriter {
  private fd: number;
  private ino = 0;
  private dev = 0;
  private readonly path: string;
  private readonly buf = Buffer.alloc(HEAD_SIZE, 0x20);

  constructor(
    private readonly dir: string,
    private readonly hasher: Hasher,
    private readonly report: (e: AuditEvent) => void = () => {},
  ) {
    this.path = join(dir, HEAD_FILE);
    this.fd = this.open();
  }

  private open(): number {
    // Read-write without O_APPEND or O_TRUNC: every write replaces the whole block at offset 0.
    const fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT, 0o600);
    ftruncateSync(fd, HEAD_SIZE);
    const st = fstatSync(fd);
    this.ino = st.ino;
    this.dev = st.dev;
    return fd;
  }

  private ensureOwnFile(): void {
    const st = statSync(this.path, { throwIfNoEntry: false });
    if (st && st.ino === this.ino && st.dev === this.dev) return;
    let detail = `audit HEAD ${this.path} was deleted while Warden was writing it: written anew`;
    if (st) {
      const lost = lostHeadName();
      renameSync(this.path, join(this.dir, lost));
      detail = `audit HEAD ${this.path} was replaced while Warden was writing it: the replacement is set aside as ${lost} (verify reports it) and HEAD written anew`;
    }
    this.report({ kind: 'head_replaced', file: HEAD_FILE, detail });
    const old = this.fd;
    this.fd = this.open();
    closeSync(old);
  }

  /**
   * Not fsynced even in fsync:'always' mode: HEAD is written after its records' fdatasync,
   * so after a power loss it can only lag behind the durable records, which is accepted.
   */
  write(seq: number, hash: string): void {
    const mac = this.hasher.alg === 'hmac-sha256' ? `,"mac":"${this.hasher(macInput(seq, hash))}"` : '';
    const json = `{"v":1,"alg":"${this.hasher.alg}","seq":${seq},"hash":"${hash}"${mac}}`;
    const n = this.buf.write(json, 0, 'latin1');
    this.buf.fill(0x20, n, HEAD_SIZE - 1);
    this.buf[HEAD_SIZE - 1] = 0x0a;
    this.ensureOwnFile();
    writeSync(this.fd, this.buf, 0, HEAD_SIZE, 0);
  }

  close(): void {
    closeSync(this.fd);
  }
}
