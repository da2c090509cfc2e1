import { CLOSE_PAREN, DASH, DOT, OPEN_PAREN, PLUS, SPACE, isDigit, joinedAfter, joinedBefore } from './chars.js';

/**
 * A run of digit groups joined by short separators: `4111 1111 1111 1111`,
 * `(415) 555-2671`, `123-45-6789`, `+44 20 7946 0958`. Card, SSN and phone matchers read
 * windows of consecutive groups out of it. One object is reused for every token of a
 * scan, so visitors must not keep it.
 */
export interface NumericToken {
  /** Group i spans [starts[i], ends[i]) and holds digits only. */
  readonly starts: number[];
  readonly ends: number[];
  count: number;
  /** Index of a `+` directly before the first group, or -1. */
  plus: number;
}

// Every card, SSN and national phone number holds three digits in a row, and every E.164
// number starts with `+` and two digits (`+33 1 23 45 67 89`): one pass of this native
// regex finds them all at several GB/s; everything else is skipped unread.
const TRIGGER = /[+\d]\d\d/g;

function isSeparator(c: number): boolean {
  return c === SPACE || c === DASH || c === DOT || c === OPEN_PAREN || c === CLOSE_PAREN;
}

/** Length (1 or 2) of a separator that ends at `pos` and follows a digit at or after `floor`; else 0. */
function separatorBefore(text: string, pos: number, floor: number): number {
  if (pos - 2 < floor || !isSeparator(text.charCodeAt(pos - 1))) return 0;
  if (isDigit(text.charCodeAt(pos - 2))) return 1;
  if (pos - 3 >= floor && isSeparator(text.charCodeAt(pos - 2)) && isDigit(text.charCodeAt(pos - 3))) return 2;
  return 0;
}

/** Length (1 or 2) of a separator that starts at `pos` and is followed by a digit; else 0. */
function separatorAfter(text: string, pos: number): number {
  const n = text.length;
  if (pos + 1 >= n || !isSeparator(text.charCodeAt(pos))) return 0;
  if (isDigit(text.charCodeAt(pos + 1))) return 1;
  if (pos + 2 < n && isSeparator(text.charCodeAt(pos + 1)) && isDigit(text.charCodeAt(pos + 2))) return 2;
  return 0;
}

/** Calls `visit` once per numeric token holding a trigger, left to right, tokens never overlapping. */
export function scanNumericTokens(text: string, visit: (tok: NumericToken) => void): void {
  const tok: NumericToken = { starts: [], ends: [], count: 0, plus: -1 };
  const re = TRIGGER; // shared: detect() is synchronous and lastIndex is reset here
  re.lastIndex = 0;
  let floor = 0;
  while (re.test(text)) {
    let pos = re.lastIndex - 3;
    if (text.charCodeAt(pos) === PLUS) pos++;
    // Walk left over groups that hold no trigger of their own (`+1 415…`, `4111 1…`).
    while (pos > floor && isDigit(text.charCodeAt(pos - 1))) pos--;
    for (let sep = separatorBefore(text, pos, floor); sep !== 0; sep = separatorBefore(text, pos, floor)) {
      pos -= sep;
      while (pos > floor && isDigit(text.charCodeAt(pos - 1))) pos--;
    }
    tok.count = 0;
    tok.plus = pos > floor && text.charCodeAt(pos - 1) === PLUS ? pos - 1 : -1;
    let end = pos;
    for (;;) {
      const groupStart = end;
      while (end < text.length && isDigit(text.charCodeAt(end))) end++;
      tok.starts[tok.count] = groupStart;
      tok.ends[tok.count] = end;
      tok.count++;
      const sep = separatorAfter(text, end);
      if (sep === 0) break;
      end += sep;
    }
    visit(tok);
    floor = end;
    re.lastIndex = end;
  }
}

export function groupLength(tok: NumericToken, i: number): number {
  return tok.ends[i] - tok.starts[i];
}

/** The separator between group i and i+1 when it is one character, else -1. */
export function separatorCode(text: string, tok: NumericToken, i: number): number {
  const start = tok.ends[i];
  return tok.starts[i + 1] - start === 1 ? text.charCodeAt(start) : -1;
}

/** Total digits in groups a..b inclusive. */
export function digitCount(tok: NumericToken, a: number, b: number): number {
  let n = 0;
  for (let i = a; i <= b; i++) n += tok.ends[i] - tok.starts[i];
  return n;
}

/**
 * May a match that begins at `matchStart`, with group `a` as its first group, stand on its
 * own? At the token's start nothing may glue it to the text before; inside the token only
 * a single space may part it from the previous group (a `-` or `.` makes it a piece of a
 * longer hyphenated or dotted number such as a UUID, date or version).
 */
export function canOpen(text: string, tok: NumericToken, a: number, matchStart: number = tok.starts[a]): boolean {
  if (a === 0) return !joinedBefore(text, matchStart);
  return matchStart - 1 === tok.ends[a - 1] && text.charCodeAt(matchStart - 1) === SPACE;
}

/** Mirror of canOpen for a match that ends after group `b`. */
export function canClose(text: string, tok: NumericToken, b: number): boolean {
  const matchEnd = tok.ends[b];
  if (b === tok.count - 1) return !joinedAfter(text, matchEnd);
  return matchEnd + 1 === tok.starts[b + 1] && text.charCodeAt(matchEnd) === SPACE;
}
