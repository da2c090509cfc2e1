import type { Finding } from '../types.js';
import { CLOSE_PAREN, DASH, DOT, OPEN_PAREN, SPACE, allSameDigit, isWordChar } from './chars.js';
import { hasContextBefore } from './context.js';
import { PII_MAX_MATCH_LENGTH, piiFinding } from './kinds.js';
import { type NumericToken, canClose, canOpen, digitCount, groupLength, separatorCode } from './numeric-tokens.js';

// Conservative by design: source code and logs are full of digit groups (versions, IPs,
// dates, ids), so only shapes that are hard to mistake score at or above the default 0.5.
const E164_GROUPED = 0.85;
const E164_SHORT = 0.6;
const NANP_PUNCTUATED = 0.7; // (415) 555-2671, 415-555-2671
const NANP_SPACED = 0.55;
const NANP_DOTTED = 0.45; // 415.555.2671 is also how some ids and versions look
const NANP_COMPACT_WITH_CONTEXT = 0.6;
const TRUNK = 0.4; // 020 7946 0958: national formats vary too much to trust alone
const CONTEXT_BONUS = 0.25;
const CONTEXT_CAP = 0.95;

const PHONE_WORDS = /\b(?:phone|telephone|tel|mobile|cell|cellphone|fax|sms|whatsapp)\b/i;

/** Phone numbers: E.164 (`+…`), North American (NANP) and trunk-prefixed (`0…`) national formats. */
export function findPhones(text: string, tok: NumericToken, out: Finding[]): void {
  let a = 0;
  if (tok.plus >= 0) {
    const last = matchE164(text, tok, out);
    if (last >= 0) a = last + 1;
  }
  for (; a < tok.count; a++) {
    let last = matchNanp(text, tok, a, out);
    if (last < 0) last = matchTrunk(text, tok, a, out);
    if (last >= 0) a = last;
  }
}

function push(text: string, start: number, end: number, base: number, out: Finding[]): void {
  const confidence = hasContextBefore(text, start, PHONE_WORDS) ? Math.min(CONTEXT_CAP, Math.max(base + CONTEXT_BONUS, 0.75)) : base;
  out.push(piiFinding('phone', start, end, confidence));
}

function matchE164(text: string, tok: NumericToken, out: Finding[]): number {
  const plus = tok.plus;
  const before = plus > 0 ? text.charCodeAt(plus - 1) : SPACE;
  // `a+1234567890`, `)+…` and `]+…` are arithmetic; a country code never starts with 0.
  if (isWordChar(before) || before === CLOSE_PAREN || before === 0x5d || text.charCodeAt(tok.starts[0]) === 0x30) return -1;
  let last = -1;
  if (tok.count >= 4 && groupLength(tok, 0) === 1 && text.charCodeAt(tok.starts[0]) === 0x31 && nanpShape(tok, 1)) {
    // +1 415 555 2671: stop where the North American number ends.
    if (canClose(text, tok, 3)) last = 3;
  } else {
    let digits = 0;
    for (let b = 0; b < tok.count; b++) {
      digits += groupLength(tok, b);
      if (digits > 15 || tok.ends[b] - plus > PII_MAX_MATCH_LENGTH.phone) break;
      if (digits >= 8 && canClose(text, tok, b)) last = b;
    }
  }
  if (last < 0 || looksLikeDate(text, tok, last)) return -1;
  const grouped = last > 0 || digitCount(tok, 0, last) >= 10;
  push(text, plus, tok.ends[last], grouped ? E164_GROUPED : E164_SHORT, out);
  return last;
}

/** +2024-01-15 is an ISO 8601 expanded year, not a phone number. */
function looksLikeDate(text: string, tok: NumericToken, last: number): boolean {
  return last === 2 && groupLength(tok, 0) === 4 && groupLength(tok, 1) === 2 && groupLength(tok, 2) === 2 && separatorCode(text, tok, 0) === DASH;
}

function nanpShape(tok: NumericToken, x: number): boolean {
  return x + 2 < tok.count && groupLength(tok, x) === 3 && groupLength(tok, x + 1) === 3 && groupLength(tok, x + 2) === 4;
}

/** Area code and exchange: first digit 2–9 and not an N11 service code (211, 411, 911…). */
function nanpValid(text: string, area: number, exchange: number): boolean {
  return nanpPart(text, area) && nanpPart(text, exchange);
}

function nanpPart(text: string, at: number): boolean {
  const first = text.charCodeAt(at);
  return first >= 0x32 && first <= 0x39 && !(text.charCodeAt(at + 1) === 0x31 && text.charCodeAt(at + 2) === 0x31);
}

function matchNanp(text: string, tok: NumericToken, a: number, out: Finding[]): number {
  if (groupLength(tok, a) === 10) {
    const start = tok.starts[a];
    if (canOpen(text, tok, a) && canClose(text, tok, a) && nanpValid(text, start, start + 3) && hasContextBefore(text, start, PHONE_WORDS)) {
      out.push(piiFinding('phone', start, tok.ends[a], NANP_COMPACT_WITH_CONTEXT));
      return a;
    }
    return -1;
  }
  const withCountry = groupLength(tok, a) === 1 && text.charCodeAt(tok.starts[a]) === 0x31;
  const x = withCountry ? a + 1 : a;
  if (!nanpShape(tok, x)) return -1;
  const area = tok.starts[x];
  const s2 = separatorCode(text, tok, x + 1);
  let start = withCountry ? tok.starts[a] : area;
  let base: number;
  if (text.charCodeAt(area - 1) === OPEN_PAREN && text.charCodeAt(tok.ends[x]) === CLOSE_PAREN) {
    const gap = tok.starts[x + 1] - tok.ends[x];
    if ((gap === 2 && text.charCodeAt(tok.ends[x] + 1) !== SPACE) || (s2 !== DASH && s2 !== SPACE)) return -1;
    if (withCountry && tok.starts[x] - tok.ends[a] !== 2) return -1; // `1 (415)` only
    if (!withCountry) start = area - 1;
    base = NANP_PUNCTUATED;
  } else {
    const s1 = separatorCode(text, tok, x);
    if (s1 !== s2 || (withCountry && separatorCode(text, tok, a) !== s1)) return -1;
    if (s1 === DASH) base = NANP_PUNCTUATED;
    else if (s1 === SPACE) base = NANP_SPACED;
    else if (s1 === DOT) base = NANP_DOTTED;
    else return -1;
  }
  if (!canOpen(text, tok, a, start) || !canClose(text, tok, x + 2) || !nanpValid(text, area, tok.starts[x + 1])) return -1;
  push(text, start, tok.ends[x + 2], base, out);
  return x + 2;
}

function matchTrunk(text: string, tok: NumericToken, a: number, out: Finding[]): number {
  const first = groupLength(tok, a);
  if (text.charCodeAt(tok.starts[a]) !== 0x30 || first < 2 || first > 5 || a + 1 >= tok.count || !canOpen(text, tok, a)) return -1;
  const sep = separatorCode(text, tok, a);
  if (sep !== SPACE && sep !== DASH) return -1;
  let digits = first;
  let last = -1;
  for (let b = a + 1; b < tok.count; b++) {
    const length = groupLength(tok, b);
    if ((b > a + 1 && separatorCode(text, tok, b - 1) !== sep) || length < 2 || length > 8) break;
    digits += length;
    if (digits > 11) break;
    if (digits >= 10 && canClose(text, tok, b)) last = b;
  }
  if (last < 0 || allSameDigit(text, tok.starts[a], tok.ends[last])) return -1;
  push(text, tok.starts[a], tok.ends[last], TRUNK, out);
  return last;
}
