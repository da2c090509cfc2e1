/** Collects outgoing bytes for one socket write; adjacent slices of one buffer are joined without copying. */
export class OutBuffer {
  private parts: Buffer[] = [];

  push(b: Buffer): void {
    const last = this.parts[this.parts.length - 1];
    if (last && last.buffer === b.buffer && last.byteOffset + last.length === b.byteOffset) {
      this.parts[this.parts.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + b.length);
    } else this.parts.push(b);
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }

  /** Everything collected, as one buffer (or undefined), and resets. */
  take(): Buffer | undefined {
    const p = this.parts;
    if (!p.length) return undefined;
    this.parts = [];
    return p.length === 1 ? p[0] : Buffer.concat(p);
  }
}
