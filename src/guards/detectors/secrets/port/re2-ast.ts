/**
 * A small AST for the part of Go's RE2 syntax the gitleaks rules use. Flags are resolved
 * while parsing, so every node carries its own case-insensitivity: that is what lets the
 * emitter rewrite scoped flags (`(?-i:…)`, `(?i)` mid-pattern) that JavaScript lacks.
 */

/** Inclusive UTF-16 code unit range. */
export type Range = readonly [number, number];

export type Node =
  | { readonly t: 'lit'; readonly c: number; readonly ci: boolean }
  | { readonly t: 'class'; readonly ranges: readonly Range[]; readonly neg: boolean; readonly ci: boolean }
  /** `.`: any code unit but `\n`, or any at all under the `s` flag. */
  | { readonly t: 'any'; readonly dotAll: boolean }
  | { readonly t: 'assert'; readonly k: 'start' | 'end' | 'wordb' | 'nwordb' }
  | { readonly t: 'group'; readonly capture: boolean; readonly body: Node }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'rep'; readonly min: number; readonly max: number; readonly lazy: boolean; readonly body: Node };

export const WORD: readonly Range[] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
export const DIGIT: readonly Range[] = [[0x30, 0x39]];
/** RE2's `\s` is ASCII only: tab, newline, form feed, carriage return, space (no \v). */
export const SPACE: readonly Range[] = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];

export const MAX_UNIT = 0xffff;

/** Sorts and merges ranges. */
export function normalize(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_UNIT) out.push([next, MAX_UNIT]);
  return out;
}

/** Adds the other ASCII case of every letter in the ranges (RE2 `(?i)` on a class). */
export function foldCase(ranges: readonly Range[]): Range[] {
  const extra: Range[] = [];
  for (const [lo, hi] of ranges) {
    for (const [a, z, delta] of [[0x41, 0x5a, 32], [0x61, 0x7a, -32]] as const) {
      const from = Math.max(lo, a);
      const to = Math.min(hi, z);
      if (from <= to) extra.push([from + delta, to + delta]);
    }
  }
  return normalize([...ranges, ...extra]);
}

export function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

export function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}
