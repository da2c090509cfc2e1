/** Bounds-checked reading of a message body; every overrun is a FrameError, never a RangeError deep in a relay. */
import { FrameError } from './framer.js';

export class BodyReader {
  private off = 0;
  constructor(
    private readonly b: Buffer,
    private readonly what: string,
  ) {}

  get done(): boolean {
    return this.off >= this.b.length;
  }

  private need(n: number): void {
    if (n < 0 || this.off + n > this.b.length) throw new FrameError(`${this.what} message is shorter than its contents say`);
  }

  int16(): number {
    this.need(2);
    const v = this.b.readInt16BE(this.off);
    this.off += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.b.readInt32BE(this.off);
    this.off += 4;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.b[this.off++]!;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  rest(): Buffer {
    const v = this.b.subarray(this.off);
    this.off = this.b.length;
    return v;
  }

  /** A NUL-terminated string (UTF-8). */
  cstring(): string {
    const end = this.b.indexOf(0, this.off);
    if (end < 0) throw new FrameError(`${this.what} message has a string without its terminating NUL`);
    const v = this.b.toString('utf8', this.off, end);
    this.off = end + 1;
    return v;
  }

  /** The raw bytes of a NUL-terminated string (without the NUL). */
  cstringBytes(): Buffer {
    const end = this.b.indexOf(0, this.off);
    if (end < 0) throw new FrameError(`${this.what} message has a string without its terminating NUL`);
    const v = this.b.subarray(this.off, end);
    this.off = end + 1;
    return v;
  }

  /** Nothing may follow the last field (a trailing payload is a smuggling attempt or a bug). */
  end(): void {
    if (this.off !== this.b.length) throw new FrameError(`${this.what} message has ${this.b.length - this.off} unexpected trailing bytes`);
  }
}
