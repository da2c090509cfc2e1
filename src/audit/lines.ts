/**
 * Streaming line splitting over raw bytes: logs can be GBs, so files are read in chunks
 * and never whole. Lines are handed out as byte ranges (the verifier hashes the exact
 * bytes; a multi-byte UTF-8 sequence never contains 0x0a, so splitting bytes is safe).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

const CHUNK = 64 * 1024;

/** Return `false` to stop reading. `terminated` is false only for bytes after the file's last newline. */
export type OnLine = (buf: Buffer, start: number, end: number, lineNo: number, terminated: boolean) => void | boolean;

export class LineBuffer {
  buf = Buffer.allocUnsafe(CHUNK);
  /** Bytes held: a partial line waiting for its newline. */
  filled = 0;
  lineNo = 0;

  /** Makes room for a read; a line longer than the buffer grows it. */
  reserve(): void {
    if (this.filled < this.buf.length) return;
    const bigger = Buffer.allocUnsafe(this.buf.length * 2);
    this.buf.copy(bigger, 0, 0, this.filled);
    this.buf = bigger;
  }

  /** Accounts `n` bytes just read into `buf` at `filled` and emits the complete lines. Returns false if stopped. */
  commit(n: number, onLine: OnLine): boolean {
    const scanFrom = this.filled;
    const end = this.filled + n;
    const view = this.buf.subarray(0, end);
    let start = 0;
    let nl = view.indexOf(0x0a, scanFrom);
    let go = true;
    while (nl !== -1) {
      if (onLine(this.buf, start, nl, ++this.lineNo, true) === false) {
        go = false;
        break;
      }
      start = nl + 1;
      nl = view.indexOf(0x0a, start);
    }
    if (!go) return false;
    if (start > 0) this.buf.copy(this.buf, 0, start, end);
    this.filled = end - start;
    return true;
  }

  /** At the end of a file: emits what follows the last newline as an unterminated line. */
  finish(onLine: OnLine): void {
    if (this.filled > 0) onLine(this.buf, 0, this.filled, ++this.lineNo, false);
    this.filled = 0;
  }

  /** Drops a held partial line (e.g. when a follower moves on to the next file). */
  reset(): void {
    this.filled = 0;
    this.lineNo = 0;
  }
}

export function forEachLineSync(path: string, onLine: OnLine): void {
  const fd = openSync(path, 'r');
  try {
    const lb = new LineBuffer();
    for (;;) {
      lb.reserve();
      const n = readSync(fd, lb.buf, lb.filled, lb.buf.length - lb.filled, null);
      if (n === 0) break;
      if (!lb.commit(n, onLine)) return;
    }
    lb.finish(onLine);
  } finally {
    closeSync(fd);
  }
}

/** The same, with asynchronous reads so a long scan does not block the event loop. */
export async function forEachLine(path: string, onLine: OnLine): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const lb = new LineBuffer();
    for (;;) {
      lb.reserve();
      const { bytesRead } = await fh.read(lb.buf, lb.filled, lb.buf.length - lb.filled, null);
      if (bytesRead === 0) break;
      if (!lb.commit(bytesRead, onLine)) return;
    }
    lb.finish(onLine);
  } finally {
    await fh.close();
  }
}
