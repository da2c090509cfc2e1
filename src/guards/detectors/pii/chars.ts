/**
 * Character-code helpers shared by the PII scanners. They work on UTF-16 code units so
 * the hot loops never allocate substrings.
 */

export const SPACE = 0x20;
export const PLUS = 0x2b;
export const DASH = 0x2d;
export const DOT = 0x2e;
export const OPEN_PAREN = 0x28;
export const CLOSE_PAREN = 0x29;

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

export function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isLetter(c);
}

/** [A-Za-z0-9_]: a character that makes a number part of an identifier or hash. */
export function isWordChar(c: number): boolean {
  return isAlnum(c) || c === 0x5f;
}

/**
 * True when the character before `pos` glues a candidate to a larger token: a letter or
 * digit (hex hashes, identifiers), `.`/`-` after a letter or digit (UUIDs, versions,
 * hyphenated ids), or `:`/`/`/`,` after a digit (times, dates, thousands separators).
 */
export function joinedBefore(text: string, pos: number): boolean {
  if (pos <= 0) return false;
  const c = text.charCodeAt(pos - 1);
  if (isWordChar(c)) return true;
  if (pos < 2) return false;
  const p = text.charCodeAt(pos - 2);
  if (c === DOT || c === DASH) return isAlnum(p);
  if (c === 0x3a || c === 0x2f || c === 0x2c) return isDigit(p);
  return false;
}

/** Mirror of joinedBefore for the character at `pos` (one past the candidate's end). */
export function joinedAfter(text: string, pos: number): boolean {
  if (pos >= text.length) return false;
  const c = text.charCodeAt(pos);
  if (isWordChar(c)) return true;
  if (pos + 1 >= text.length) return false;
  const n = text.charCodeAt(pos + 1);
  if (c === DOT || c === DASH) return isAlnum(n);
  if (c === 0x3a || c === 0x2f || c === 0x2c) return isDigit(n);
  return false;
}

/** True when every digit in text[start, end) is the same one (0000…, 1111…): filler, not data. */
export function allSameDigit(text: string, start: number, end: number): boolean {
  let first = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    if (first === -1) first = c;
    else if (c !== first) return false;
  }
  return true;
}
