import type { Finding } from '../types.js';
import { DASH, SPACE, allSameDigit, isDigit } from './chars.js';
import { piiFinding } from './kinds.js';
import { type NumericToken, canClose, canOpen, groupLength, separatorCode } from './numeric-tokens.js';

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
// One random digit string in ten passes Luhn, so the issuer prefix carries the weight:
// without a known issuer (epoch-millisecond timestamps start with 1) it stays below the default bar.
const GROUPED_KNOWN_ISSUER = 0.95;
const COMPACT_KNOWN_ISSUER = 0.85;
const UNKNOWN_ISSUER = 0.3;

/** Payment card numbers (PAN): 13–19 digits, compact or in the usual 4-4-4-4 / 4-6-5 groupings, Luhn-checked. */
export function findCards(text: string, tok: NumericToken, out: Finding[]): void {
  // `+49151…` is a phone number: a leading plus never starts a card.
  for (let a = tok.plus >= 0 ? 1 : 0; a < tok.count; a++) {
    if (!canOpen(text, tok, a)) continue;
    const last = matchFrom(text, tok, a, out);
    if (last >= 0) a = last;
  }
}

/** Tries a card whose first group is `a`; returns its last group, or -1. */
function matchFrom(text: string, tok: NumericToken, a: number, out: Finding[]): number {
  const first = groupLength(tok, a);
  if (first >= MIN_DIGITS) {
    return first <= MAX_DIGITS && canClose(text, tok, a) && emit(text, tok, a, a, false, out) ? a : -1;
  }
  if (first !== 4 || a + 1 >= tok.count) return -1;
  const sep = separatorCode(text, tok, a);
  if (sep !== SPACE && sep !== DASH) return -1;
  let last = a;
  let digits = first;
  while (last + 1 < tok.count && separatorCode(text, tok, last) === sep && digits + groupLength(tok, last + 1) <= MAX_DIGITS) {
    last++;
    digits += groupLength(tok, last);
  }
  // Longest grouping first: 4-4-4-4-3 before the 4-4-4-4 inside it.
  for (let b = last; b > a; b--) {
    if (digits >= MIN_DIGITS && groupingFits(tok, a, b) && canClose(text, tok, b) && emit(text, tok, a, b, true, out)) return b;
    digits -= groupLength(tok, b);
  }
  return -1;
}

function groupingFits(tok: NumericToken, a: number, b: number): boolean {
  const lastLength = groupLength(tok, b);
  if (b === a + 2 && groupLength(tok, a + 1) === 6) return lastLength === 4 || lastLength === 5; // Amex, Diners
  for (let i = a; i < b; i++) if (groupLength(tok, i) !== 4) return false;
  return lastLength >= 1 && lastLength <= 4;
}

function emit(text: string, tok: NumericToken, a: number, b: number, grouped: boolean, out: Finding[]): boolean {
  const start = tok.starts[a];
  const end = tok.ends[b];
  if (!luhnValid(text, start, end) || allSameDigit(text, start, end)) return false;
  let length = 0;
  let prefix = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    if (length < 6) prefix = prefix * 10 + (c - 0x30);
    length++;
  }
  const confidence = knownIssuer(prefix, length) ? (grouped ? GROUPED_KNOWN_ISSUER : COMPACT_KNOWN_ISSUER) : UNKNOWN_ISSUER;
  out.push(piiFinding('card', start, end, confidence));
  return true;
}

export function luhnValid(text: string, start: number, end: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = end - 1; i >= start; i--) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    let d = c - 0x30;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer identification number ranges and the lengths each issuer uses; `p6` is the first six digits. */
function knownIssuer(p6: number, length: number): boolean {
  const p2 = Math.floor(p6 / 1e4);
  const p3 = Math.floor(p6 / 1e3);
  const p4 = Math.floor(p6 / 100);
  if (Math.floor(p6 / 1e5) === 4) return length === 13 || length === 16 || length === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return length === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return length === 15; // American Express
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || p2 === 62) return length >= 16; // Discover, UnionPay
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return length >= 14; // Diners Club
  if (p4 >= 3528 && p4 <= 3589) return length >= 16; // JCB
  if (p4 === 5018 || p4 === 5020 || p4 === 5038 || p4 === 5893 || p4 === 6304 || p4 === 6759 || (p4 >= 6761 && p4 <= 6763)) return true; // Maestro
  return false;
}
