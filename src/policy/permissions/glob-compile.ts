/**
 * Front ends of glob-program: gitignore-style rule patterns (`**\/.env`, `src/**\/*.ts`) and
 * shell glob arguments (`*.pe?`, `"$DIR"/.env`) both become token programs.
 */
import { program, tok, Tk, type GlobProgram, type Tok } from './glob-program.js';

/** In shell glob patterns made by the lexer, a parameter or command expansion (matches anything). */
export const EXPANSION = '\u0001';

const SLASH = 47;

/** `[...]` at s[i]; returns the token and the index after `]`, or null when unclosed. */
function readClass(s: string, i: number): { t: Tok; next: number } | null {
  let k = i + 1;
  let neg = false;
  if (s[k] === '!' || s[k] === '^') {
    neg = true;
    k++;
  }
  const ranges: number[] = [];
  let first = true;
  while (k < s.length && (s[k] !== ']' || first)) {
    first = false;
    let lo = s.charCodeAt(k);
    if (s[k] === '\\' && k + 1 < s.length) lo = s.charCodeAt(++k);
    let hi = lo;
    if (s[k + 1] === '-' && k + 2 < s.length && s[k + 2] !== ']') {
      hi = s.charCodeAt(k + 2);
      k += 2;
    }
    ranges.push(Math.min(lo, hi), Math.max(lo, hi));
    k++;
  }
  if (k >= s.length) return null;
  const t = tok(Tk.Class);
  t.neg = neg;
  t.ranges = ranges;
  return { t, next: k + 1 };
}

/**
 * A gitignore-style body (anchor already removed): `*` stays inside one segment, `**`
 * crosses segments, `**\/` also matches zero directories, `?` and `[...]` one character.
 */
export function compileRuleGlob(body: string, floating: boolean, dirCover: boolean, ci: boolean): GlobProgram {
  const toks: Tok[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    const segStart = i === 0 || body.charCodeAt(i - 1) === SLASH;
    if (c === '*' && body[i + 1] === '*') {
      let j = i;
      while (body[j] === '*') j++;
      if (segStart && body.charCodeAt(j) === SLASH) {
        // `**/`: zero or more whole directories (the branch may skip the group).
        toks.push(tok(Tk.Eps, 0, toks.length + 3), tok(Tk.GStar), tok(Tk.Lit, SLASH));
        i = j + 1;
      } else {
        toks.push(tok(Tk.GStar));
        i = j;
      }
    } else if (c === '*') {
      toks.push(tok(Tk.Star));
      i++;
    } else if (c === '?') {
      toks.push(tok(Tk.Any1));
      i++;
    } else if (c === '[' && readClass(body, i)) {
      const r = readClass(body, i)!;
      toks.push(r.t);
      i = r.next;
    } else if (c === '\\' && i + 1 < body.length) {
      toks.push(tok(Tk.Lit, body.charCodeAt(i + 1)));
      i += 2;
    } else {
      toks.push(tok(Tk.Lit, body.charCodeAt(i)));
      i++;
    }
  }
  return program(toks, floating, dirCover, ci);
}

function segStart(s: string, i: number): boolean {
  return i === 0 || s.charCodeAt(i - 1) === SLASH;
}

/** Index of the first `*` of the run of stars that ends right before `end`. */
function start(end: number, s: string): number {
  let i = end;
  while (i > 0 && s[i - 1] === '*') i--;
  return i;
}

/** A shell glob made by the lexer: `\x` literal, `*` `?` `[...]` wildcards, EXPANSION anything. */
export function compileShellGlob(pattern: string): GlobProgram {
  const toks: Tok[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      toks.push(tok(Tk.Lit, pattern.charCodeAt(i + 1)));
      i += 2;
    } else if (c === EXPANSION) {
      toks.push(tok(Tk.GStar));
      i++;
    } else if (c === '*') {
      // Without bash's globstar option `**` is just `*`.
      while (pattern[i] === '*') i++;
      if (segStart(pattern, start(i, pattern))) {
        // A leading `*` never matches a dotfile: zero characters, or one non-dot then any.
        const any = tok(Tk.Any1, 0, toks.length + 2);
        any.noDot = true;
        toks.push(any, tok(Tk.Star));
      } else toks.push(tok(Tk.Star));
    } else if (c === '?') {
      const any = tok(Tk.Any1);
      any.noDot = segStart(pattern, i);
      toks.push(any);
      i++;
    } else if (c === '[' && readClass(pattern, i)) {
      const r = readClass(pattern, i)!;
      toks.push(r.t);
      i = r.next;
    } else {
      toks.push(tok(Tk.Lit, pattern.charCodeAt(i)));
      i++;
    }
  }
  return program(toks, false, false, false);
}

/** Escapes a literal path for use inside a shell glob pattern. */
export function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\u0001]/g, '\\$&');
}
