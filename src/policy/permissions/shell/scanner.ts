/**
 * Reads shell words: quotes (single, double with escapes, `$'…'`), backslashes, globs,
 * brace marks and expansions (`$X`, `${…}`, `$(…)`, backticks, `$((…))`, `<(…)`).
 * Command substitutions are parsed as commands of their own (they run too). Never throws;
 * malformed input is recorded as a problem and the scan still advances.
 */
import type { Word } from './ast.js';
import type { Scanner } from './cursor.js';
import { WordBuf } from './word-buf.js';
import { decodeAnsiC } from './ansi-c.js';
import { MAX_NESTING } from '../limits.js';

/** 1: ends a word (blank or operator); 2: needs a closer look inside a word. */
const CLASS = new Uint8Array(128);
for (const c of ' \t\n;&|()<>') CLASS[c.charCodeAt(0)] = 1;
for (const c of '\\\'"$`*?[{,}~') CLASS[c.charCodeAt(0)] = 2;

function classOf(code: number): number {
  return code < 128 ? CLASS[code]! : 0;
}

/** Reads the word at the cursor (brace expansion may make several), or null when there is none. */
export function readWord(sc: Scanner, depth: number): Word[] | null {
  const src = sc.src;
  const start = sc.i;
  const b = new WordBuf();
  while (sc.i < src.length) {
    const c = src[sc.i]!;
    if ((c === '<' || c === '>') && src[sc.i + 1] === '(' && sc.i === start) {
      sc.i += 2;
      sc.nestedList(depth + 1);
      b.expansion(src.slice(start, sc.i));
      continue;
    }
    const k = classOf(src.charCodeAt(sc.i));
    if (k === 1) break;
    if (k === 0) {
      let j = sc.i + 1;
      while (j < src.length && classOf(src.charCodeAt(j)) === 0) j++;
      b.lit(src.slice(sc.i, j), false);
      sc.i = j;
      continue;
    }
    readSpecial(sc, b, depth, c, sc.i === start);
  }
  if (sc.i === start) return null;
  const words = b.words();
  if (b.truncated) sc.problem('brace expansion too large');
  return words;
}

function readSpecial(sc: Scanner, b: WordBuf, depth: number, c: string, first: boolean): void {
  const src = sc.src;
  switch (c) {
    case '\\':
      if (src[sc.i + 1] === '\n') sc.i += 2;
      else if (sc.i + 1 < src.length) {
        b.lit(src[sc.i + 1]!, true);
        sc.i += 2;
      } else {
        b.lit('\\', false);
        sc.i++;
      }
      return;
    case "'": {
      const end = src.indexOf("'", sc.i + 1);
      if (end < 0) sc.problem('unbalanced single quote');
      b.lit(src.slice(sc.i + 1, end < 0 ? src.length : end), true);
      if (b.quoteStart === Infinity) b.quoteStart = b.text.length;
      sc.i = end < 0 ? src.length : end + 1;
      return;
    }
    case '"':
      sc.i++;
      readDoubleBody(sc, b, depth, '"');
      if (b.quoteStart === Infinity) b.quoteStart = b.text.length;
      return;
    case '$':
      readDollar(sc, b, depth, false);
      return;
    case '`':
      readBacktick(sc, b, depth);
      return;
    case '*':
    case '?':
      b.wild(c);
      sc.i++;
      return;
    case '[': {
      let j = sc.i + 1;
      while (j < src.length && src[j] !== ']' && classOf(src.charCodeAt(j)) !== 1 && src[j] !== '"' && src[j] !== "'") j++;
      if (src[j] === ']' && j > sc.i + 1) {
        b.wild(src.slice(sc.i, j + 1));
        sc.i = j + 1;
      } else {
        b.lit('[', false);
        sc.i++;
      }
      return;
    }
    case '~':
      if (first) b.tilde = true;
      b.lit('~', false);
      sc.i++;
      return;
    default:
      // `{`, `,`, `}`: commas only matter once a `{` was seen.
      if (c === '{' || b.braces) b.brace(c);
      else b.lit(c, false);
      sc.i++;
  }
}

/** Inside double quotes up to `close` (or the end for here-document bodies). */
export function readDoubleBody(sc: Scanner, b: WordBuf, depth: number, close: string | null): void {
  const src = sc.src;
  while (sc.i < src.length) {
    const c = src[sc.i]!;
    if (c === close) {
      sc.i++;
      return;
    }
    if (c === '\\') {
      const n = src[sc.i + 1];
      if (n === '\n') sc.i += 2;
      else if (n === '$' || n === '`' || n === '"' || n === '\\') {
        b.lit(n, true);
        sc.i += 2;
      } else {
        b.lit('\\', true);
        sc.i++;
      }
    } else if (c === '$') readDollar(sc, b, depth, true);
    else if (c === '`') readBacktick(sc, b, depth);
    else {
      let j = sc.i + 1;
      while (j < src.length && src[j] !== close && src[j] !== '\\' && src[j] !== '$' && src[j] !== '`') j++;
      b.lit(src.slice(sc.i, j), true);
      sc.i = j;
    }
  }
  if (close !== null) sc.problem('unbalanced double quote');
}

function readDollar(sc: Scanner, b: WordBuf, depth: number, inDouble: boolean): void {
  const src = sc.src;
  const start = sc.i;
  const n = src[sc.i + 1];
  if (n === '(' && src[sc.i + 2] === '(') {
    sc.i += 3;
    skipArithmetic(sc, depth + 1);
  } else if (n === '(') {
    sc.i += 2;
    sc.nestedList(depth + 1);
  } else if (n === '{') {
    sc.i += 2;
    skipParameter(sc, depth + 1);
  } else if (n !== undefined && /[A-Za-z_]/.test(n)) {
    let j = sc.i + 2;
    while (j < src.length && /[A-Za-z0-9_]/.test(src[j]!)) j++;
    sc.i = j;
  } else if (n !== undefined && /[0-9@*#?$!-]/.test(n)) sc.i += 2;
  else if (n === "'" && !inDouble) {
    const r = decodeAnsiC(src, sc.i + 2);
    if (!r.closed) sc.problem('unbalanced single quote');
    b.lit(r.text, true);
    sc.i = r.end;
    return;
  } else if (n === '"' && !inDouble) {
    sc.i += 2;
    readDoubleBody(sc, b, depth, '"');
    return;
  } else {
    b.lit('$', inDouble);
    sc.i++;
    return;
  }
  b.expansion(src.slice(start, sc.i));
}

function readBacktick(sc: Scanner, b: WordBuf, depth: number): void {
  const src = sc.src;
  const start = sc.i;
  let body = '';
  let j = sc.i + 1;
  let closed = false;
  while (j < src.length) {
    const c = src[j]!;
    if (c === '`') {
      closed = true;
      break;
    }
    if (c === '\\' && (src[j + 1] === '`' || src[j + 1] === '\\' || src[j + 1] === '$')) {
      body += src[j + 1];
      j += 2;
    } else {
      body += c;
      j++;
    }
  }
  if (!closed) sc.problem('unbalanced backtick');
  sc.i = closed ? j + 1 : src.length;
  sc.nestedScript(body, depth + 1, false);
  b.expansion(src.slice(start, sc.i));
}

/** `${…}`: skipped to its `}`, but substitutions inside still run and are parsed. */
function skipParameter(sc: Scanner, depth: number): void {
  skipRegion(sc, depth, '{', '}', 1);
}

/** `$((…))` and `((…))`: skipped to the closing `))`, parsing substitutions inside. */
export function skipArithmetic(sc: Scanner, depth: number): void {
  skipRegion(sc, depth, '(', ')', 2);
}

function skipRegion(sc: Scanner, depth: number, open: string, close: string, level: number): void {
  const src = sc.src;
  const sink = new WordBuf();
  // Past the nesting bound, count brackets only: no recursion, so no stack to exhaust.
  const flat = depth > MAX_NESTING;
  if (flat) sc.problem('nesting too deep');
  while (sc.i < src.length) {
    const c = src[sc.i]!;
    if (c === open) level++;
    else if (c === close && --level === 0) {
      sc.i++;
      return;
    }
    if (c === '\\') sc.i += 2;
    else if (c === "'") {
      const end = src.indexOf("'", sc.i + 1);
      sc.i = end < 0 ? src.length : end + 1;
    } else if (flat) sc.i++;
    else if (c === '"') {
      sc.i++;
      readDoubleBody(sc, sink, depth, '"');
    } else if (c === '$') readDollar(sc, sink, depth, true);
    else if (c === '`') readBacktick(sc, sink, depth);
    else sc.i++;
  }
  sc.problem(`unbalanced ${open === '{' ? '${' : '(('}`);
}
