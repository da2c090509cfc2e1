/**
 * Length-checked framing of PostgreSQL messages. A message is `type(1) len(4) body`, where
 * len counts itself; the startup packet has no type byte. Lengths below 4 or above the
 * configured maximum are refused before any body byte is buffered (threat: a 2 GiB length
 * that makes a proxy buffer until it runs out of memory; a negative one that wraps).
 * Bytes may arrive split anywhere: a frame is returned only once it is complete.
 */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * One message: a window on the bytes it arrived in. `raw` and `body` are views made on
 * demand (most messages are only forwarded: OutBuffer joins their windows without a view
 * per message).
 */
export class Frame {
  constructor(
    /** Message type byte; 0 for the untyped startup packet. */
    readonly type: number,
    /** The chunk the message lies in (shared by the frames cut from it). */
    readonly src: Buffer,
    readonly start: number,
    readonly end: number,
    private readonly head: number,
  ) {}

  /** The whole message as received (type, length, body). */
  get raw(): Buffer {
    return this.src.subarray(this.start, this.end);
  }

  /** The body, without type and length. */
  get body(): Buffer {
    return this.src.subarray(this.start + this.head, this.end);
  }
}

const EMPTY = Buffer.alloc(0);

export class Framer {
  private buf: Buffer = EMPTY;
  private off = 0;

  constructor(
    private maxLength: number,
    /** The next frame is untyped (startup phase). */
    public untyped = false,
  ) {}

  push(chunk: Buffer): void {
    if (this.off >= this.buf.length) {
      this.buf = chunk;
      this.off = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.off), chunk]);
      this.off = 0;
    }
  }

  /** Bytes received and not yet returned as frames. */
  get pending(): number {
    return this.buf.length - this.off;
  }

  setMaxLength(n: number): void {
    this.maxLength = n;
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws FrameError. */
  next(): Frame | undefined {
    const head = this.untyped ? 4 : 5;
    const avail = this.buf.length - this.off;
    if (avail < head) return undefined;
    const type = this.untyped ? 0 : this.buf[this.off]!;
    const len = this.buf.readInt32BE(this.off + head - 4);
    if (len < 4) throw new FrameError(`message length ${len} is below the minimum of 4`);
    if (len > this.maxLength) throw new FrameError(`message length ${len} exceeds the limit of ${this.maxLength} bytes`);
    const total = head - 4 + len;
    if (avail < total) return undefined;
    const f = new Frame(type, this.buf, this.off, this.off + total, head);
    this.off += total;
    if (this.off >= this.buf.length) {
      this.buf = EMPTY;
      this.off = 0;
    }
    return f;
  }
}
