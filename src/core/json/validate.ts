/**
 * The strict read without building values: one linear pass that checks the whole text is
 * JSON (RFC 8259 grammar, as JSON.parse accepts it) and refuses what scan.ts refuses
 * (duplicate keys, lone surrogate escapes, `__proto__` keys, nesting deeper than the limit),
 * and tells where each member of a top-level object lies in the text. A door that needs a
 * few top-level fields parses only those slices: on valid JSON without duplicate keys,
 * JSON.parse of a member's slice is exactly the value JSON.parse of the whole gives it, so
 * the door decides on the same reading it forwards. Strings are stepped over with indexOf
 * (quotes, backslashes) and a native search for control characters, never char by char.
 */
import { admitKey, escapeLength, openContainer, framesFor, hex4, JsonRefusal, MAX_JSON_DEPTH, pathTo } from './scan.js';

/** The text is not JSON; JSON.parse of the same text says what is wrong. */
export class JsonSyntax extends Error {}

/** Members of a top-level object: key, and where its value starts and ends in the text. */
export interface TopMembers {
  keys: string[];
  starts: number[];
  ends: number[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const SLASH = 47;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const DOT = 46;
const U = 117;
const CONTROL = /[\u0000-\u001f]/g;

/** Where the scan stands in the text's quotes, backslashes and control characters. */
interface Marks {
  quote: number;
  slash: number;
  slashes: boolean;
  ctl: number;
  ctls: boolean;
  /** The last string read held an escape. */
  escaped: boolean;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** 2 for a simple escape, 6 or 12 for `\u`; -1 not JSON; -2 a lone surrogate. */
function escapeAt(text: string, s: number): number {
  const e = text.charCodeAt(s + 1);
  if (e === U) {
    if (hex4(text, s + 2) < 0) return -1;
    const len = escapeLength(text, s);
    return len < 0 ? -2 : len;
  }
  // " \ / b f n r t
  return e === QUOTE || e === BACKSLASH || e === SLASH || e === 98 || e === 102 || e === 110 || e === 114 || e === 116 ? 2 : -1;
}

/** The closing quote of the string opening at `i`; -1 not JSON; -2 a lone surrogate. */
function stringEnd(text: string, i: number, m: Marks): number {
  let p = i + 1;
  m.escaped = false;
  for (;;) {
    if (m.quote < p) {
      m.quote = text.indexOf('"', p);
      if (m.quote < 0) return -1;
    }
    if (m.slashes && m.slash < p) {
      m.slash = text.indexOf('\\', p);
      if (m.slash < 0) m.slashes = false;
    }
    if (!m.slashes || m.slash > m.quote) break;
    const len = escapeAt(text, m.slash);
    if (len < 0) return len;
    m.escaped = true;
    p = m.slash + len;
  }
  const j = m.quote;
  if (m.ctls && m.ctl < i) {
    CONTROL.lastIndex = i;
    const found = CONTROL.exec(text);
    if (found) m.ctl = found.index;
    else m.ctls = false;
  }
  // A raw control character inside a string is not JSON (outside one only whitespace is).
  return m.ctls && m.ctl < j ? -1 : j;
}

function numberEnd(text: string, i: number): number {
  let k = i;
  if (text.charCodeAt(k) === MINUS) k++;
  const c = text.charCodeAt(k);
  if (c === 48) k++;
  else if (c >= 49 && c <= 57) while (isDigit(text.charCodeAt(++k)));
  else return -1;
  if (text.charCodeAt(k) === DOT) {
    if (!isDigit(text.charCodeAt(++k))) return -1;
    while (isDigit(text.charCodeAt(++k)));
  }
  const e = text.charCodeAt(k);
  if (e === 101 || e === 69) {
    const s = text.charCodeAt(++k);
    if (s === 43 || s === MINUS) k++;
    if (!isDigit(text.charCodeAt(k))) return -1;
    while (isDigit(text.charCodeAt(++k)));
  }
  return k;
}

const syntax = () => new JsonSyntax('not JSON');

/**
 * The key whose quotes are at `i` and `j`. With `bytes`, `text` is their latin1 view (one
 * character per byte: the same positions, ASCII as is, and no byte of a multi-byte UTF-8
 * character is ASCII): a key of ASCII only reads the same in both, any other is decoded.
 */
function keyAt(text: string, i: number, j: number, escaped: boolean, bytes: Buffer | undefined): string {
  if (!bytes) return escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
  let ascii = !escaped;
  for (let k = i + 1; ascii && k < j; k++) if (text.charCodeAt(k) > 127) ascii = false;
  if (ascii) return text.slice(i + 1, j);
  return escaped ? (JSON.parse(bytes.toString('utf8', i, j + 1)) as string) : bytes.toString('utf8', i + 1, j);
}

/**
 * Throws JsonRefusal on the first refused construct and JsonSyntax on text that is not JSON;
 * returns the top-level object's members, or null when the text is JSON of another kind.
 * With `bytes` (valid UTF-8), `text` is `bytes.toString('latin1')`: a one-byte string scans
 * faster and costs a copy rather than a decoding; positions are then byte offsets.
 */
export function validateJson(text: string, maxDepth = MAX_JSON_DEPTH, bytes?: Buffer): TopMembers | null {
  const n = text.length;
  const f = framesFor(maxDepth);
  const sets: Array<Set<string> | undefined> = [];
  const keys = f.keys;
  const m: Marks = { quote: -1, slash: -1, slashes: true, ctl: -1, ctls: true, escaped: false };
  let top: TopMembers | null = null;
  let depth = 0;
  // 0: a value is expected; 1: a key (after `{` or a comma in an object); 2: a value ended.
  let state = 0;
  let i = 0;
  for (;;) {
    let c = text.charCodeAt(i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i);
    if (i >= n) {
      if (state === 2 && depth === 0) return top;
      throw syntax();
    }
    if (state === 2) {
      if (depth === 0) throw syntax();
      const obj = f.isObject[depth] === 1;
      if (c === COMMA) {
        i++;
        if (obj) state = 1;
        else {
          f.index[depth]!++;
          state = 0;
        }
        continue;
      }
      if (c !== (obj ? RBRACE : RBRACKET)) throw syntax();
      keys.length = f.keyStart[depth]!;
      sets[depth] = undefined;
      depth--;
      i++;
      if (depth === 1 && top) top.ends.push(i);
      continue;
    }
    if (state === 1) {
      if (c !== QUOTE) throw syntax();
      const j = stringEnd(text, i, m);
      if (j === -2) throw new JsonRefusal('lone-surrogate', pathTo(f, depth, depth - 1), 'a \\u escape leaves a lone UTF-16 surrogate (send a valid pair or the character itself)');
      if (j < 0) throw syntax();
      const key = keyAt(text, i, j, m.escaped, bytes);
      admitKey(key, f, depth, sets);
      i = j + 1;
      c = text.charCodeAt(i);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i);
      if (c !== COLON) throw syntax();
      i++;
      c = text.charCodeAt(i);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i);
      if (depth === 1 && top) {
        top.keys.push(key);
        top.starts.push(i);
      }
      state = 0;
      continue;
    }
    // A value.
    if (c === QUOTE) {
      const j = stringEnd(text, i, m);
      if (j === -2) throw new JsonRefusal('lone-surrogate', pathTo(f, depth, depth), 'a \\u escape leaves a lone UTF-16 surrogate (send a valid pair or the character itself)');
      if (j < 0) throw syntax();
      i = j + 1;
    } else if (c === LBRACE || c === LBRACKET) {
      const obj = c === LBRACE;
      depth = openContainer(f, depth, obj, sets, maxDepth);
      if (depth === 1 && obj) top = { keys: [], starts: [], ends: [] };
      i++;
      c = text.charCodeAt(i);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i);
      if (c === (obj ? RBRACE : RBRACKET)) {
        depth--;
        i++;
        state = 2;
        if (depth === 1 && top) top.ends.push(i);
        continue;
      }
      state = obj ? 1 : 0;
      continue;
    } else if (c === MINUS || isDigit(c)) {
      i = numberEnd(text, i);
      if (i < 0) throw syntax();
    } else if (c === 116 && text.startsWith('true', i)) i += 4;
    else if (c === 102 && text.startsWith('false', i)) i += 5;
    else if (c === 110 && text.startsWith('null', i)) i += 4;
    else throw syntax();
    state = 2;
    if (depth === 1 && top) top.ends.push(i);
  }
}
