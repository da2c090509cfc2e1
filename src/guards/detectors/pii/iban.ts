import type { Finding } from '../types.js';
import { SPACE, isAlnum, isDigit, isUpper } from './chars.js';
import { IBAN_LENGTHS } from './iban-lengths.js';
import { piiFinding } from './kinds.js';

// Country code, registry length and the ISO 7064 mod-97 check all agree: one random
// string in ~97 survives the checksum alone.
const IBAN = 0.95;
const MAX_IBAN = 34;
const MAX_PRINTED = 42; // 34 characters and 8 spaces

/**
 * IBANs, compact (`DE89370400440532013000`) or printed in groups of four
 * (`GB29 NWBK 6016 1331 9268 19`). Every IBAN carries a run of three digits, so the shared
 * numeric-token pass is the prefilter: for a token starting at `digitsAt` this looks back
 * for a country code and check digits whose IBAN covers it. Returns the IBAN's end, or -1.
 */
export function findIbanCovering(text: string, digitsAt: number, out: Finding[], chars: Uint16Array): number {
  const min = Math.max(0, digitsAt - MAX_PRINTED);
  let from = digitsAt;
  while (from > min && isIbanChar(text.charCodeAt(from - 1))) from--;
  for (let start = from; start + 2 <= digitsAt; start++) {
    if (!isUpper(text.charCodeAt(start)) || !isUpper(text.charCodeAt(start + 1))) continue;
    if (!isDigit(text.charCodeAt(start + 2)) || !isDigit(text.charCodeAt(start + 3))) continue;
    if (start > 0 && isAlnum(text.charCodeAt(start - 1))) continue;
    const length = IBAN_LENGTHS.get(text.slice(start, start + 2));
    if (length === undefined) continue;
    const end = collect(text, start, length, chars);
    if (end <= digitsAt || !mod97Valid(chars, length)) continue;
    out.push(piiFinding('iban', start, end, IBAN));
    return end;
  }
  return -1;
}

export function newIbanBuffer(): Uint16Array {
  return new Uint16Array(MAX_IBAN);
}

function isIbanChar(c: number): boolean {
  return isDigit(c) || isUpper(c) || c === SPACE;
}

/**
 * Copies the IBAN's `length` characters into `chars` and returns where it ends, or -1.
 * Spaces are allowed only between groups of four, and only when the first one is there.
 */
function collect(text: string, start: number, length: number, chars: Uint16Array): number {
  const spaced = text.charCodeAt(start + 4) === SPACE;
  let pos = start;
  for (let n = 0; n < length; n++) {
    if (spaced && n > 0 && n % 4 === 0) {
      if (text.charCodeAt(pos) !== SPACE) return -1;
      pos++;
    }
    const c = text.charCodeAt(pos);
    if (!isDigit(c) && !isUpper(c)) return -1;
    chars[n] = c;
    pos++;
  }
  return pos < text.length && isAlnum(text.charCodeAt(pos)) ? -1 : pos;
}

/** ISO 7064 MOD 97-10: move the first four characters to the end, letters count 10–35, remainder must be 1. */
export function mod97Valid(chars: Uint16Array, length: number): boolean {
  const check = (chars[2] - 0x30) * 10 + (chars[3] - 0x30);
  if (check < 2 || check > 98) return false;
  let rem = 0;
  for (let k = 0; k < length; k++) {
    const c = chars[(k + 4) % length];
    rem = isDigit(c) ? (rem * 10 + (c - 0x30)) % 97 : (rem * 100 + (c - 0x41 + 10)) % 97;
  }
  return rem === 1;
}
