/**
 * A piece of text decoded from a span of its parent, with the way back: decoded code unit i
 * came from parent code units [from[i], to[i]). A finding in the decoded text maps to the
 * encoded span, which is what a redaction replaces.
 */
export interface Decoded {
  readonly text: string;
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** What decoded it, for the finding's rule name (`base64`, `hex`, `percent`, `escape`, `joined`). */
  readonly kind: string;
}

/** Builds a Decoded one code unit at a time. */
export class DecodedBuilder {
  private chars: number[] = [];
  private fromA: number[] = [];
  private toA: number[] = [];

  constructor(private readonly kind: string) {}

  get length(): number {
    return this.chars.length;
  }

  push(code: number, from: number, to: number): void {
    this.chars.push(code);
    this.fromA.push(from);
    this.toA.push(to);
  }

  build(): Decoded {
    let text = '';
    // String.fromCharCode over chunks: spreading a huge array overflows the stack.
    for (let i = 0; i < this.chars.length; i += 8192) text += String.fromCharCode(...this.chars.slice(i, i + 8192));
    return { text, from: Int32Array.from(this.fromA), to: Int32Array.from(this.toA), kind: this.kind };
  }
}

/** Maps [start, end) in a decoded text to the parent span it was decoded from. */
export function mapBack(d: Decoded, start: number, end: number): [number, number] {
  return [d.from[start]!, d.to[Math.max(start, end - 1)]!];
}

/** Share of code units that are printable ASCII or common white space: text, not binary. */
export function printableShare(text: string): number {
  if (!text.length) return 0;
  let ok = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) ok++;
  }
  return ok / text.length;
}
