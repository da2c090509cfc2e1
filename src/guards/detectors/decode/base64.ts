import { DecodedBuilder, isPrintable, printableShare, type Decoded } from './decoded.js';

/*
 * Base64 (standard and URL-safe) as tools print it: one run, or wrapped at any width with real
 * or JSON-escaped line breaks (`base64` wraps at 76, PEM and kubeconfig at 64). A run is
 * decoded only when it decodes to text: random identifiers, hashes and images decode to bytes.
 * Candidates are found by sampling (findEncodedRuns), not by a regex: a regex is retried at
 * every position, and source code is nearly all base64 alphabet.
 */
const MIN_CHARS = 16;

const VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('').forEach((c, i) => (VALUE[c.charCodeAt(0)] = i));
VALUE['+'.charCodeAt(0)] = 62;
VALUE['-'.charCodeAt(0)] = 62;
VALUE['/'.charCodeAt(0)] = 63;
VALUE['_'.charCodeAt(0)] = 63;

/** Length of a line break at i: `\n`, `\r\n`, or JSON-escaped `\\n` / `\\r\\n`; 0 if none. */
function lineBreakAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 10) return 1;
  if (c === 13) return text.charCodeAt(i + 1) === 10 ? 2 : 0;
  if (c !== 92) return 0;
  const d = text.charCodeAt(i + 1);
  if (d === 110) return 2;
  if (d === 114 && text.charCodeAt(i + 2) === 92 && text.charCodeAt(i + 3) === 110) return 4;
  return 0;
}

/** A base64 line ends here: the end of the text, a line break, white space or a closing quote. */
function endsLine(text: string, i: number): boolean {
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  return c === 10 || c === 13 || c === 32 || c === 9 || c === 34 || c === 39 || lineBreakAt(text, i) > 0;
}

export interface EncodedRun {
  start: number;
  end: number;
  /** Every character a hex digit: an `xxd -p` dump (wrapped at 60) or one long hex run. */
  allHex: boolean;
  /** Upper case, lower case and digits all occur: base64 of text mixes all three, words and identifiers lack one. */
  mixed: boolean;
}

/** Character classes, one table lookup a character. */
const B64 = 1;
const HEX = 2;
const DIGIT = 4;
const UPPER = 8;
const LOWER = 16;
const MIXED = DIGIT | UPPER | LOWER;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (VALUE[c]! < 0) continue;
  let k = B64;
  if (c >= 48 && c <= 57) k |= DIGIT | HEX;
  else if (c >= 65 && c <= 90) k |= UPPER | (c <= 70 ? HEX : 0);
  else if (c >= 97 && c <= 122) k |= LOWER | (c <= 102 ? HEX : 0);
  CLASS[c] = k;
}

function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? CLASS[c]! : 0;
}

/**
 * The runs that may be base64 or hex (16+ alphabet characters a line, lines joined across
 * breaks, the last line shorter). Both decoders take their candidates from here, so the text
 * is walked once for the two.
 *
 * A run of MIN_CHARS or more covers one of every MIN_CHARS-th position, so only those are
 * looked at first; a sample inside the alphabet is widened left to its word's start and checked
 * backwards from where a run of MIN_CHARS would end, and the first character outside the
 * alphabet found that way moves the next sample past it. Source code is nearly all base64
 * alphabet in short words: this reads a fraction of its characters, where a character loop (or
 * a regex, which tries every position) reads them all.
 */
export function findEncodedRuns(text: string): EncodedRun[] {
  const out: EncodedRun[] = [];
  const n = text.length;
  const cls = CLASS;
  /** No run starts before this. */
  let floor = 0;
  let p = MIN_CHARS - 1;
  // charCodeAt and the table inline (no helper call): this loop is most of the layer's cost.
  while (p < n) {
    let c = text.charCodeAt(p);
    if (c >= 128 || !(cls[c]! & B64)) { p += MIN_CHARS; continue; }
    let s = p;
    while (s > floor) {
      c = text.charCodeAt(s - 1);
      if (c >= 128 || !(cls[c]! & B64)) break;
      s--;
    }
    const last = s + MIN_CHARS - 1;
    if (last >= n) break;
    let k = last;
    for (; k > p; k--) {
      c = text.charCodeAt(k);
      if (c >= 128 || !(cls[c]! & B64)) break;
    }
    if (k > p) {
      floor = k + 1;
      p = k + MIN_CHARS;
      continue;
    }
    floor = runFrom(text, s, out);
    p = floor + MIN_CHARS - 1;
  }
  return out;
}

/** Records the run starting at `start` (its first line is MIN_CHARS or longer); returns where the next may start. */
function runFrom(text: string, start: number, out: EncodedRun[]): number {
  const n = text.length;
  let i = start;
  let end = start;
  let allHex = true;
  let seen = 0;
  for (;;) {
    const segStart = i;
    let any = 0;
    let all = B64 | HEX;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? CLASS[c]! : 0;
      if (!(k & B64)) break;
      any |= k;
      all &= k;
    }
    const hex = (all & HEX) !== 0;
    const seg = i - segStart;
    let j = i;
    while (j < n && j - i < 2 && text.charCodeAt(j) === 61) j++; // `=` padding
    if (seg < MIN_CHARS) {
      // The last, shorter line of a wrapped block: a whole line of base64, nothing after it
      // on the line (`current-context: prod` after a kubeconfig value is not one).
      if (segStart !== start && endsLine(text, j)) { end = j; allHex &&= hex && j === i; seen |= any; }
      break;
    }
    end = j;
    seen |= any;
    allHex &&= hex && j === i;
    // Padding ends the data; a new line continues it only when it is base64 too.
    const br = j > i ? 0 : lineBreakAt(text, j);
    if (!br || !(classAt(text, j + br) & B64)) { i = j; break; }
    i = j + br;
  }
  const mixed = (seen & MIXED) === MIXED;
  // Neither decoder takes a run of one case or without digits: identifiers, words.
  if (allHex || mixed) out.push({ start, end, allHex, mixed });
  return i > start ? i : start + 1;
}

/** The runs that decode from base64 to text. */
export function decodeBase64Runs(text: string, minPrintable: number, runs: readonly EncodedRun[] = findEncodedRuns(text)): Decoded[] {
  const out: Decoded[] = [];
  for (const r of runs) {
    if (r.allHex || !r.mixed || base64PrintableShare(text, r.start, r.end, minPrintable) < minPrintable) continue;
    const d = decodeRun(text, r.start, r.end);
    if (d && d.text.length >= 8 && printableShare(d.text) >= minPrintable) out.push(d);
  }
  return out;
}

/**
 * What decodeRun would give, without building it: the share of printable characters (-1 when
 * the run is not whole base64, or as soon as too many bytes are not printable for the share to
 * reach `minPrintable`). Most candidates decode to bytes and stop here, within a few groups.
 */
function base64PrintableShare(text: string, start: number, end: number, minPrintable: number): number {
  const maxBad = (1 - minPrintable) * (((end - start) * 3) >> 2);
  let vals = 0;
  let acc = 0;
  let bytes = 0;
  let ok = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) { i++; continue; } // a JSON-escaped line break
    const v = c < 128 ? VALUE[c]! : -1;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    if ((++vals & 3) === 0) {
      ok += isPrintable((acc >> 16) & 255) + isPrintable((acc >> 8) & 255) + isPrintable(acc & 255);
      bytes += 3;
      acc = 0;
      if (bytes - ok > maxBad) return -1;
    }
  }
  const rest = vals & 3;
  if (vals < MIN_CHARS || rest === 1) return -1;
  if (rest === 2) { ok += isPrintable((acc >> 4) & 255); bytes += 1; }
  if (rest === 3) { ok += isPrintable((acc >> 10) & 255) + isPrintable((acc >> 2) & 255); bytes += 2; }
  return bytes < 8 ? -1 : ok / bytes;
}

function decodeRun(text: string, start: number, end: number): Decoded | null {
  if (end - start < MIN_CHARS) return null;
  const pos: number[] = [];
  const val: number[] = [];
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) { i++; continue; } // a JSON-escaped line break: `\n`, `\r`
    if (c < 128 && VALUE[c]! >= 0) {
      pos.push(i);
      val.push(VALUE[c]!);
    }
  }
  if (pos.length < MIN_CHARS || pos.length % 4 === 1) return null;
  const b = new DecodedBuilder('base64');
  for (let g = 0; g + 1 < val.length; g += 4) {
    const n = Math.min(4, val.length - g);
    const bits = (val[g]! << 18) | (val[g + 1]! << 12) | ((n > 2 ? val[g + 2]! : 0) << 6) | (n > 3 ? val[g + 3]! : 0);
    const from = pos[g]!;
    const to = pos[g + n - 1]! + 1;
    b.push((bits >> 16) & 255, from, to);
    if (n > 2) b.push((bits >> 8) & 255, from, to);
    if (n > 3) b.push(bits & 255, from, to);
  }
  return b.build();
}
