/** Accumulates one shell word: its text, its glob pattern (built lazily) and brace marks. */
import { EXPANSION, escapeGlob } from '../glob-compile.js';
import { MAX_BRACE_WORDS } from '../limits.js';
import type { Word } from './ast.js';

export class WordBuf {
  text = '';
  pattern: string | null = null;
  expansions = 0;
  quoteStart = Infinity;
  tilde = false;
  /** Positions in `text` of unquoted `{`, `,` and `}`. */
  braces: number[] | null = null;
  /** Brace expansion would make more words than MAX_BRACE_WORDS (only the first are kept). */
  truncated = false;

  lit(s: string, quoted: boolean): void {
    if (quoted && this.quoteStart === Infinity) this.quoteStart = this.text.length;
    this.text += s;
    if (this.pattern !== null) this.pattern += escapeGlob(s);
  }

  /** Unquoted `*`, `?` or a `[...]` class. */
  wild(s: string): void {
    if (this.pattern === null) this.pattern = escapeGlob(this.text);
    this.text += s;
    this.pattern += s;
  }

  expansion(source: string): void {
    if (this.pattern === null) this.pattern = escapeGlob(this.text);
    this.expansions++;
    this.text += source;
    this.pattern += EXPANSION;
  }

  brace(c: string): void {
    (this.braces ??= []).push(this.text.length);
    this.lit(c, false);
  }

  words(): Word[] {
    const base: Word = { text: this.text, pattern: this.pattern, expansions: this.expansions, quoteStart: this.quoteStart, tilde: this.tilde };
    if (!this.braces || this.braces.length < 3) return [base];
    const texts: string[] = [];
    expandBraces(this.text, this.braces, texts);
    this.truncated = texts.length >= MAX_BRACE_WORDS;
    if (texts.length <= 1) return [base];
    // A brace word that also globs or expands: its alternatives may match anything.
    const pattern = this.pattern === null ? null : EXPANSION;
    return texts.map((text) => ({ ...base, text, pattern, tilde: base.tilde && text.startsWith('~') }));
  }
}

/** Bash brace expansion (`{rm,-rf,/}` → `rm -rf /`) over unquoted marks; `{a..b}` stays literal. */
function expandBraces(text: string, marks: number[], out: string[]): void {
  if (out.length >= MAX_BRACE_WORDS) return;
  for (let k = 0; k < marks.length; k++) {
    const a = marks[k]!;
    if (text[a] !== '{') continue;
    let level = 0;
    let close = -1;
    const commas: number[] = [];
    for (let q = k + 1; q < marks.length && close < 0; q++) {
      const m = marks[q]!;
      const c = text[m];
      if (c === '{') level++;
      else if (c === '}') {
        if (level === 0) close = m;
        else level--;
      } else if (c === ',' && level === 0) commas.push(m);
    }
    if (close < 0 || commas.length === 0) continue;
    const prefix = text.slice(0, a);
    const suffix = text.slice(close + 1);
    const bounds = [a, ...commas, close];
    for (let b = 0; b + 1 < bounds.length && out.length < MAX_BRACE_WORDS; b++) {
      const from = bounds[b]! + 1;
      const alt = text.slice(from, bounds[b + 1]);
      const next: number[] = [];
      for (const m of marks) {
        if (m < a) next.push(m);
        else if (m >= from && m < bounds[b + 1]!) next.push(m - from + prefix.length);
        else if (m > close) next.push(m - close - 1 + prefix.length + alt.length);
      }
      expandBraces(prefix + alt + suffix, next, out);
    }
    return;
  }
  out.push(text);
}
