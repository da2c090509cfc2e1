/**
 * One linear, iterative pass over JSON text that refuses what parsers read differently:
 * a key repeated in one object (JSON.parse keeps the last, others the first), a `\u`
 * escape that leaves a lone UTF-16 surrogate (Anthropic's API refuses it; Go reads it
 * as U+FFFD, so two distinct keys can become one), a `__proto__` key (an own property
 * to JSON.parse, the prototype to any code that copies by assignment), and nesting
 * deeper than a fixed limit. It tracks only structure: JSON.parse, run afterwards on
 * the same text, builds the values and reports syntax errors. On text that is not JSON
 * the scan may stop early or throw a SyntaxError; JSON.parse then says what is wrong.
 */

/** Objects and arrays nested deeper than this are refused; real Claude Code bodies stay under 20. */
export const MAX_JSON_DEPTH = 128;

export type JsonRefusalKind = 'duplicate-key' | 'lone-surrogate' | 'proto-key' | 'too-deep';

export class JsonRefusal extends Error {
  constructor(readonly kind: JsonRefusalKind, readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'JsonRefusal';
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COMMA = 44;
const U = 117;
/** Objects with more keys than this switch from a linear search of their keys to a Set. */
const LINEAR_KEYS = 16;

export function hex4(text: string, at: number): number {
  let v = 0;
  for (let k = at; k < at + 4; k++) {
    const c = text.charCodeAt(k);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * Length of the escape starting at the backslash `at`; -1 when a `\u` escape leaves a
 * lone surrogate. A high surrogate counts only when a low one follows at once.
 */
export function escapeLength(text: string, at: number): number {
  if (text.charCodeAt(at + 1) !== U) return 2;
  const v = hex4(text, at + 2);
  if (v < 0xd800 || v > 0xdfff) return 6; // also a bad hex digit (-1): JSON.parse reports it
  if (v >= 0xdc00) return -1;
  if (text.charCodeAt(at + 6) !== BACKSLASH || text.charCodeAt(at + 7) !== U) return -1;
  const low = hex4(text, at + 8);
  return low >= 0xdc00 && low <= 0xdfff ? 12 : -1;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;

/** A key as it appears in a path or message: never the whole of a long, odd key (it may be a secret). */
export function quoteKey(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 12)}…(${key.length} chars)` : key);
}

export interface Frames {
  isObject: Uint8Array;
  index: Uint32Array;
  keyStart: Int32Array;
  keys: string[];
}

/**
 * The frame stack of a scan, kept between scans: a scan runs start to end in one call and
 * never inside another, and allocating ~1.3 KB of typed arrays per request body was a good
 * share of a small request's garbage. Only the keys array is emptied; the typed arrays are
 * written before they are read at every depth.
 */
let shared: Frames | undefined;
export function framesFor(maxDepth: number): Frames {
  if (!shared || shared.isObject.length !== maxDepth + 2) shared = { isObject: new Uint8Array(maxDepth + 2), index: new Uint32Array(maxDepth + 2), keyStart: new Int32Array(maxDepth + 2), keys: [] };
  shared.keys.length = 0;
  return shared;
}

/**
 * The path through frames 1..upto, `open` being the deepest open frame: each frame names
 * the child being read (its last key, or its element index).
 */
export function pathTo(f: Frames, open: number, upto: number): string {
  let out = '';
  const parts = Math.min(upto, 24);
  for (let d = 1; d <= parts; d++) {
    if (f.isObject[d]) {
      const key = f.keys[(d === open ? f.keys.length : f.keyStart[d + 1]!) - 1] ?? '';
      out += IDENT.test(key) ? (out ? '.' : '') + key : `[${quoteKey(key)}]`;
    } else out += `[${f.index[d]}]`;
  }
  if (upto > parts) out += '…';
  return out || '(top level)';
}

/**
 * Records `key` as the next member of the object open at `depth`, refusing `__proto__` and a
 * key already seen in that object: a linear search over its first keys, a Set past LINEAR_KEYS.
 */
export function admitKey(key: string, f: Frames, depth: number, sets: Array<Set<string> | undefined>): void {
  const keys = f.keys;
  if (key === '__proto__') throw new JsonRefusal('proto-key', pathTo(f, depth, depth - 1), 'a "__proto__" key is refused');
  const start = f.keyStart[depth]!;
  let set = sets[depth];
  let dup = false;
  if (set) dup = set.has(key);
  else for (let k = start; k < keys.length; k++) if (keys[k] === key) { dup = true; break; }
  if (dup) throw new JsonRefusal('duplicate-key', pathTo(f, depth, depth - 1), `duplicate key ${quoteKey(key)}`);
  if (set) set.add(key);
  else if (keys.length - start >= LINEAR_KEYS) {
    sets[depth] = set = new Set(keys.slice(start));
    set.add(key);
  }
  keys.push(key);
}

/** Opens an object or array one level below `depth` (refused past `maxDepth`); returns the new depth. */
export function openContainer(f: Frames, depth: number, isObject: boolean, sets: Array<Set<string> | undefined>, maxDepth: number): number {
  if (depth === maxDepth) throw new JsonRefusal('too-deep', pathTo(f, depth, depth), `objects and arrays nest deeper than ${maxDepth} levels, the most Warden reads`);
  depth++;
  f.isObject[depth] = isObject ? 1 : 0;
  f.index[depth] = 0;
  f.keyStart[depth] = f.keys.length;
  sets[depth] = undefined;
  return depth;
}

/** Throws JsonRefusal on the first refused construct; returns quietly on acceptable JSON. */
export function scanJson(text: string, maxDepth = MAX_JSON_DEPTH): void {
  const n = text.length;
  const f = framesFor(maxDepth);
  const sets: Array<Set<string> | undefined> = [];
  const keys = f.keys;
  let depth = 0;
  let expectKey = false;
  // The next backslash and the next `\u` at or after the scan position: found by indexOf
  // (native, fast on long strings) and reused until the scan passes them.
  let nextSlash = -1;
  let slashesLeft = true;
  let nextU = -1;
  let usLeft = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote is the first one after an even run of backslashes; escapes other
      // than \u change nothing here, so they are stepped over, never visited one by one.
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) return; // unterminated string: JSON.parse reports it
        let b = j - 1;
        while (text.charCodeAt(b) === BACKSLASH) b--;
        if (((j - 1 - b) & 1) === 0) break;
        j++;
      }
      if (usLeft && nextU <= i) {
        nextU = text.indexOf('\\u', i + 1);
        if (nextU < 0) usLeft = false;
      }
      while (usLeft && nextU < j) {
        let b = nextU - 1;
        while (text.charCodeAt(b) === BACKSLASH) b--;
        let from = nextU + 2; // an escaped backslash followed by a letter u
        if (((nextU - 1 - b) & 1) === 0) {
          const len = escapeLength(text, nextU);
          if (len < 0) throw new JsonRefusal('lone-surrogate', pathTo(f, depth, expectKey ? depth - 1 : depth), 'a \\u escape leaves a lone UTF-16 surrogate (send a valid pair or the character itself)');
          from = nextU + len;
        }
        nextU = text.indexOf('\\u', from);
        if (nextU < 0) usLeft = false;
      }
      if (expectKey) {
        if (slashesLeft && nextSlash <= i) {
          nextSlash = text.indexOf('\\', i + 1);
          if (nextSlash < 0) slashesLeft = false;
        }
        const escaped = slashesLeft && nextSlash < j;
        const key: string = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        admitKey(key, f, depth, sets);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      depth = openContainer(f, depth, c === LBRACE, sets, maxDepth);
      expectKey = c === LBRACE;
    } else if (c === RBRACE || c === RBRACKET) {
      if (depth === 0) return; // unbalanced: JSON.parse reports it
      keys.length = f.keyStart[depth]!;
      sets[depth] = undefined;
      depth--;
      expectKey = false;
    } else if (c === COMMA && depth > 0) {
      if (f.isObject[depth]) expectKey = true;
      else f.index[depth]!++;
    }
    i++;
  }
}
