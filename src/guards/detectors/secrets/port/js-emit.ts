import { complement, foldCase, isLetter, MAX_UNIT, normalize, SPACE, WORD, DIGIT, type Node, type Range } from './re2-ast.js';

/**
 * Emits a JavaScript regex (source + flags) with the same matches as the RE2 AST.
 * JavaScript (Node 20) has no scoped flags: when a pattern mixes case-insensitive and
 * case-sensitive parts, the insensitive ones are expanded (`a` → `[aA]`, `[a-f]` →
 * `[a-fA-F]`); when every case-relevant part is insensitive the `i` flag is used.
 * `\s` and `.` are spelled out because RE2's are narrower than JavaScript's.
 */
export interface JsRegex { source: string; flags: '' | 'i' }

export function emitJs(node: Node): JsRegex {
  const modes = new Set<boolean>();
  collectCaseModes(node, modes);
  if (modes.size === 1 && modes.has(true)) return { source: emit(node, 'flag'), flags: 'i' };
  return { source: emit(node, 'expand'), flags: '' };
}

/** Records the ci flag of every node whose meaning depends on it. */
function collectCaseModes(node: Node, out: Set<boolean>): void {
  switch (node.t) {
    case 'lit':
      if (isLetter(node.c)) out.add(node.ci);
      return;
    case 'class':
      if (!sameRanges(foldCase(node.ranges), normalize(node.ranges))) out.add(node.ci);
      return;
    case 'group': case 'rep':
      collectCaseModes(node.body, out);
      return;
    case 'seq':
      node.items.forEach((n) => collectCaseModes(n, out));
      return;
    case 'alt':
      node.alts.forEach((n) => collectCaseModes(n, out));
      return;
    default:
      return;
  }
}

function sameRanges(a: readonly Range[], b: readonly Range[]): boolean {
  return a.length === b.length && a.every((r, i) => r[0] === b[i]![0] && r[1] === b[i]![1]);
}

type Mode = 'flag' | 'expand';

function emit(node: Node, mode: Mode): string {
  switch (node.t) {
    case 'lit': {
      if (mode === 'expand' && node.ci && isLetter(node.c)) {
        const lower = String.fromCharCode(node.c | 0x20);
        return `[${lower}${lower.toUpperCase()}]`;
      }
      return escapeLiteral(node.c);
    }
    case 'class': {
      const ranges = mode === 'expand' && node.ci ? foldCase(node.ranges) : normalize(node.ranges);
      return emitClass(ranges, node.neg);
    }
    case 'any':
      return node.dotAll ? '[\\s\\S]' : '[^\\n]';
    case 'assert':
      return { start: '^', end: '$', wordb: '\\b', nwordb: '\\B' }[node.k];
    case 'group':
      return `(${node.capture ? '' : '?:'}${emit(node.body, mode)})`;
    case 'seq':
      return node.items.map((n) => emit(n, mode)).join('');
    case 'alt':
      return node.alts.map((n) => emit(n, mode)).join('|');
    case 'rep': {
      let body = emit(node.body, mode);
      if (node.body.t === 'seq' || node.body.t === 'alt') body = `(?:${body})`;
      return body + quantifier(node.min, node.max) + (node.lazy ? '?' : '');
    }
  }
}

function quantifier(min: number, max: number): string {
  if (min === 0 && max === Infinity) return '*';
  if (min === 1 && max === Infinity) return '+';
  if (min === 0 && max === 1) return '?';
  if (max === Infinity) return `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

const NAMED: readonly [string, readonly Range[]][] = [['\\w', WORD], ['\\d', DIGIT], ['\\t\\n\\f\\r ', SPACE]];

function emitClass(ranges: Range[], neg: boolean): string {
  // Every code unit: JavaScript would accept `[^]`, RE2 (re2js) would not.
  if (ranges.length === 1 && ranges[0]![0] === 0 && ranges[0]![1] === MAX_UNIT) return neg ? '[^\\s\\S]' : '[\\s\\S]';
  // A class that reaches the top of the code unit space reads better negated (`[^\t\n\f\r ]`).
  const last = ranges[ranges.length - 1];
  if (last && last[1] === MAX_UNIT && ranges[0]![0] === 0) return emitClass(complement(ranges), !neg);
  if (!neg && sameRanges(ranges, WORD)) return '\\w';
  if (!neg && sameRanges(ranges, DIGIT)) return '\\d';
  let body = '';
  let rest = ranges;
  for (const [name, set] of NAMED) {
    if (set.every((r) => rest.some((x) => x[0] <= r[0] && x[1] >= r[1]))) {
      body += name;
      rest = subtract(rest, set);
    }
  }
  for (const [lo, hi] of rest) {
    body += escapeInClass(lo);
    if (hi === lo + 1) body += escapeInClass(hi);
    else if (hi > lo) body += '-' + escapeInClass(hi);
  }
  return `[${neg ? '^' : ''}${body}]`;
}

function subtract(ranges: readonly Range[], remove: readonly Range[]): Range[] {
  return normalize(complement([...complement(ranges), ...remove]));
}

function hex(c: number): string {
  return c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

const CONTROL: Record<number, string> = { 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

function escapeLiteral(c: number): string {
  if (CONTROL[c]) return CONTROL[c]!;
  if (c < 0x20 || c >= 0x7f) return hex(c);
  const ch = String.fromCharCode(c);
  if (ch === '`') return '\\x60'; // keeps sources embeddable in String.raw templates
  return '\\^$.|?*+()[]{}/'.includes(ch) ? `\\${ch}` : ch;
}

function escapeInClass(c: number): string {
  if (CONTROL[c]) return CONTROL[c]!;
  if (c < 0x20 || c >= 0x7f) return hex(c);
  const ch = String.fromCharCode(c);
  if (ch === '`') return '\\x60';
  return '\\]-[^/$'.includes(ch) ? `\\${ch}` : ch;
}
