/**
 * Collects outgoing bytes for one socket write. Forwarded messages that lie next to each
 * other in one received chunk are kept as one window of it (no copy, no view per message);
 * the write gets one buffer.
 */
import type { Frame } from './framer.js';

export class OutBuffer {
  private parts: Buffer[] = [];
  /** The open window: bytes [start, end) of src. */
  private src: Buffer | null = null;
  private start = 0;
  private end = 0;

  /** A message Warden built (or rewrote). */
  push(b: Buffer): void {
    this.close();
    this.parts.push(b);
  }

  /** A received message forwarded as it came. */
  frame(f: Frame): void {
    if (this.src === f.src && this.end === f.start) {
      this.end = f.end;
      return;
    }
    this.close();
    this.src = f.src;
    this.start = f.start;
    this.end = f.end;
  }

  private close(): void {
    if (this.src === null) return;
    this.parts.push(this.src.subarray(this.start, this.end));
    this.src = null;
  }

  get empty(): boolean {
    return this.parts.length === 0 && this.src === null;
  }

  /** Everything collected, as one buffer (or undefined), and resets. */
  take(): Buffer | undefined {
    this.close();
    const p = this.parts;
    if (!p.length) return undefined;
    this.parts = [];
    return p.length === 1 ? p[0] : Buffer.concat(p);
  }
}
