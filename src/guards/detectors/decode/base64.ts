import { DecodedBuilder, printableShare, type Decoded } from './decoded.js';

/*
 * Base64 (standard and URL-safe) as tools print it: one run, or wrapped at any width with real
 * or JSON-escaped line breaks (`base64` wraps at 76, PEM and kubeconfig at 64). A run is
 * decoded only when it decodes to text: random identifiers, hashes and images decode to bytes.
 * Found by one pass over the text (a regex retried at every position of every word costs
 * several times more on source code, where nearly every word is base64-alphabet).
 */
const MIN_CHARS = 16;

const VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('').forEach((c, i) => (VALUE[c.charCodeAt(0)] = i));
VALUE['+'.charCodeAt(0)] = 62;
VALUE['-'.charCodeAt(0)] = 62;
VALUE['/'.charCodeAt(0)] = 63;
VALUE['_'.charCodeAt(0)] = 63;

function isB64(c: number): boolean {
  return c < 128 && VALUE[c]! >= 0;
}

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
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * One pass over the text: the runs that may be base64 or hex (16+ alphabet characters a line,
 * lines joined across breaks, the last line shorter). Both decoders take their candidates from
 * here, so the text is walked once for the two.
 */
export function findEncodedRuns(text: string): EncodedRun[] {
  const out: EncodedRun[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isB64(text.charCodeAt(i))) { i++; continue; }
    const start = i;
    let end = i;
    let allHex = true;
    for (;;) {
      const segStart = i;
      let hex = true;
      for (let c = text.charCodeAt(i); i < n && isB64(c); c = text.charCodeAt(++i)) if (hex && !isHexDigit(c)) hex = false;
      const seg = i - segStart;
      let j = i;
      while (j < n && j - i < 2 && text.charCodeAt(j) === 61) j++; // `=` padding
      if (seg < MIN_CHARS) {
        // The last, shorter line of a wrapped block: a whole line of base64, nothing after it
        // on the line (`current-context: prod` after a kubeconfig value is not one).
        if (segStart !== start && endsLine(text, j)) { end = j; allHex &&= hex && j === i; }
        break;
      }
      end = j;
      allHex &&= hex && j === i;
      // Padding ends the data; a new line continues it only when it is base64 too.
      const br = j > i ? 0 : lineBreakAt(text, j);
      if (!br || !isB64(text.charCodeAt(j + br))) { i = j; break; }
      i = j + br;
    }
    if (end > start) out.push({ start, end, allHex });
    if (i <= start) i = start + 1;
  }
  return out;
}

/** The runs that decode from base64 to text. */
export function decodeBase64Runs(text: string, minPrintable: number, runs: readonly EncodedRun[] = findEncodedRuns(text)): Decoded[] {
  const out: Decoded[] = [];
  for (const r of runs) {
    if (r.allHex) continue;
    const d = decodeRun(text, r.start, r.end);
    if (d && d.text.length >= 8 && printableShare(d.text) >= minPrintable) out.push(d);
  }
  return out;
}

function looksEncoded(text: string, start: number, end: number): boolean {
  let digit = false;
  let upper = false;
  let lower = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digit = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
  }
  // Words and identifiers in prose are one case or lack digits; base64 of text mixes all three.
  return upper && lower && digit;
}

function decodeRun(text: string, start: number, end: number): Decoded | null {
  if (end - start < MIN_CHARS || !looksEncoded(text, start, end)) return null;
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
