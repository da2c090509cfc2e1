/**
 * A piece of text decoded from a span of its parent, with the way back: decoded code unit i
 * came from parent code units [from[i], to[i]). A finding in the decoded text maps to the
 * encoded span, which is what a redaction replaces.
 */
export interface Decoded {
  readonly text: string;
  /** Parent offset where decoded code unit i begins. */
  from(i: number): number;
  /** Parent offset just after decoded code unit i. */
  to(i: number): number;
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
    const from = Int32Array.from(this.fromA);
    const to = Int32Array.from(this.toA);
    return { text, from: (i) => from[i]!, to: (i) => to[i]!, kind: this.kind };
  }
}

/** Maps [start, end) in a decoded text to the parent span it was decoded from. */
export function mapBack(d: Decoded, start: number, end: number): [number, number] {
  return [d.from(start), d.to(Math.max(start, end - 1))];
}

/**
 * Builds a Decoded from runs copied unchanged and single decoded characters (string escapes):
 * the text is made of slices and the way back is one entry per run, not per code unit, so a
 * long line with a few escapes costs little more than its slice.
 */
export class SegmentedBuilder {
  private parts: string[] = [];
  private dec: number[] = [];
  private src: number[] = [];
  /** Source length of a decoded character; -1 for a run copied unchanged. */
  private srcLen: number[] = [];
  private length = 0;

  constructor(private readonly source: string, private readonly kind: string) {}

  copy(from: number, to: number): void {
    if (to <= from) return;
    this.parts.push(this.source.slice(from, to));
    this.dec.push(this.length);
    this.src.push(from);
    this.srcLen.push(-1);
    this.length += to - from;
  }

  one(code: number, from: number, to: number): void {
    this.parts.push(String.fromCharCode(code));
    this.dec.push(this.length);
    this.src.push(from);
    this.srcLen.push(to - from);
    this.length += 1;
  }

  build(): Decoded {
    const { dec, src, srcLen } = this;
    const at = (i: number): number => {
      let lo = 0;
      let hi = dec.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (dec[mid]! <= i) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    return {
      text: this.parts.join(''),
      kind: this.kind,
      from: (i) => {
        const k = at(i);
        return srcLen[k] === -1 ? src[k]! + (i - dec[k]!) : src[k]!;
      },
      to: (i) => {
        const k = at(i);
        return srcLen[k] === -1 ? src[k]! + (i - dec[k]!) + 1 : src[k]! + srcLen[k]!;
      },
    };
  }
}

/** 1 for printable ASCII or common white space, else 0. */
export function isPrintable(c: number): number {
  return (c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 ? 1 : 0;
}

/** Share of code units that are printable ASCII or common white space: text, not binary. */
export function printableShare(text: string): number {
  if (!text.length) return 0;
  let ok = 0;
  for (let i = 0; i < text.length; i++) ok += isPrintable(text.charCodeAt(i));
  return ok / text.length;
}
