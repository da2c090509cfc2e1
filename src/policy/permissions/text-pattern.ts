/**
 * Claude Code's Bash specifiers: `npm run build` (exact), `npm run test *` (a space before
 * `*` is a word boundary: `ls *` matches `ls` and `ls -la`, not `lsof`), `ls*` (plain
 * prefix), `git * main` (`*` anywhere, spanning spaces), legacy `npm run test:*` (= `npm
 * run test *`). Quotes and backslashes in a rule are read like the shell reads them, and
 * the command side is compared after quote removal with words joined by one space, so
 * `r""m -rf /` and `rm  -rf /` meet `Bash(rm -rf *)`. Matching is a segment scan (no
 * RegExp): linear-ish and immune to backtracking blow-ups.
 */

export interface TextPattern {
  /** Literal pieces between wildcards: text = p0 * p1 * … * pn. */
  readonly pieces: readonly string[];
  /** A single trailing ` *` may also match nothing (`ls *` matches `ls`). */
  readonly optionalTail: string | null;
}

/** A rule's words, split like the shell splits them; `wild[i]` marks unquoted `*` positions. */
export interface PatternWord {
  text: string;
  wild: number[];
}

/**
 * Splits a specifier into words and stages (`a | b`). Throws on list operators, which a
 * single command can never match. Redirections are dropped: commands are matched without them.
 */
export function splitPattern(spec: string): PatternWord[][] {
  const stages: PatternWord[][] = [[]];
  let cur: PatternWord | null = null;
  let quote: '"' | "'" | null = null;
  let dropNext = false;
  const flush = (): void => {
    if (cur && !dropNext) stages[stages.length - 1]!.push(cur);
    else if (cur) dropNext = false;
    cur = null;
  };
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < spec.length && '"\\$`'.includes(spec[i + 1]!)) (cur ??= { text: '', wild: [] }).text += spec[++i];
      else cur!.text += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      flush();
      continue;
    }
    if (cur === null && /^(?:&&|\|\||;)/.test(spec.slice(i, i + 2))) throw new Error('a rule cannot span `&&`, `||` or `;`: write one rule per command');
    if (cur === null && c === '|' && /[\s]/.test(spec[i + 1] ?? ' ')) {
      stages.push([]);
      continue;
    }
    const redirect = cur === null ? /^\d*(?:&>>?|>>?|<|>&|<&)/.exec(spec.slice(i, i + 5)) : null;
    if (redirect) {
      const rest = spec.slice(i + redirect[0].length).match(/^\S*/)![0];
      dropNext = rest === '';
      i += redirect[0].length + rest.length - 1;
      continue;
    }
    cur ??= { text: '', wild: [] };
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < spec.length) cur.text += spec[++i];
    else {
      if (c === '*') cur.wild.push(cur.text.length);
      cur.text += c;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} quote`);
  flush();
  return stages;
}

export function compileTextPattern(words: readonly PatternWord[]): TextPattern {
  const pieces: string[] = [''];
  let stars = 0;
  words.forEach((w, k) => {
    if (k > 0) pieces[pieces.length - 1] += ' ';
    let from = 0;
    for (const at of w.wild) {
      pieces[pieces.length - 1] += w.text.slice(from, at);
      pieces.push('');
      stars++;
      from = at + 1;
    }
    pieces[pieces.length - 1] += w.text.slice(from);
  });
  const last = words[words.length - 1];
  const tail = stars === 1 && words.length > 1 && last!.text === '*' && last!.wild.length === 1;
  return { pieces, optionalTail: tail ? pieces[0]!.slice(0, -1) : null };
}

/** Whether `text` matches: pieces in order, the first anchored at the start, the last at the end. */
export function matchText(p: TextPattern, text: string): boolean {
  const { pieces } = p;
  if (p.optionalTail !== null && text === p.optionalTail) return true;
  const first = pieces[0]!;
  if (pieces.length === 1) return text === first;
  const lastPiece = pieces[pieces.length - 1]!;
  if (!text.startsWith(first) || text.length < first.length + lastPiece.length || !text.endsWith(lastPiece)) return false;
  let pos = first.length;
  const end = text.length - lastPiece.length;
  for (let k = 1; k < pieces.length - 1; k++) {
    const at = text.indexOf(pieces[k]!, pos);
    if (at < 0 || at + pieces[k]!.length > end) return false;
    pos = at + pieces[k]!.length;
  }
  return true;
}

/** `Bash(*)` and `Bash(**)`: every command. */
export function matchesEverything(p: TextPattern): boolean {
  return p.pieces.every((s) => s === '');
}
