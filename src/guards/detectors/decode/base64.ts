import { DecodedBuilder, printableShare, type Decoded } from './decoded.js';

/*
 * Base64 (standard and URL-safe) as tools print it: one run, or wrapped at any width with real
 * or JSON-escaped line breaks (`base64` wraps at 76, PEM and kubeconfig at 64). A run is
 * decoded only when it decodes to text: random identifiers, hashes and images decode to bytes.
 */
const RUN = /(?:[A-Za-z0-9+/_-]{4,}={0,2}(?:\r?\n|\\r?\\n)?)+/g;
const MIN_CHARS = 16;

const VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('').forEach((c, i) => (VALUE[c.charCodeAt(0)] = i));
VALUE['+'.charCodeAt(0)] = 62;
VALUE['-'.charCodeAt(0)] = 62;
VALUE['/'.charCodeAt(0)] = 63;
VALUE['_'.charCodeAt(0)] = 63;

export function decodeBase64Runs(text: string, minPrintable: number): Decoded[] {
  const out: Decoded[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
    const d = decodeRun(text, m.index, m.index + m[0].length);
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
