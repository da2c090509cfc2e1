import { randomInt } from 'node:crypto';
import { parseRe2 } from './port/re2-parse.js';
import { complement, normalize, type Node, type Range } from './port/re2-ast.js';

/**
 * Random strings matched by a rule's pattern (like gitleaks' secrets.NewSecret), to test
 * that every rule can fire. Works on the RE2-compatible subset the port emits; returns
 * null for patterns outside it (lookaheads, backreferences).
 */
export function sampler(source: string, flags: '' | 'i'): (() => string) | null {
  let ast: Node;
  try {
    ast = parseRe2((flags === 'i' ? '(?i)' : '') + source);
  } catch {
    return null;
  }
  return () => sample(ast);
}

const PRINTABLE: Range[] = [[0x20, 0x7e]];
const EXTRA_REPEATS = 24;

function sample(node: Node): string {
  switch (node.t) {
    case 'lit': {
      const ch = String.fromCharCode(node.c);
      return node.ci && randomInt(2) === 0 ? ch.toUpperCase() : ch;
    }
    case 'class':
      return pick(node.neg ? complement(node.ranges) : node.ranges);
    case 'any':
      return pick([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]]);
    case 'assert':
      return '';
    case 'group':
      return sample(node.body);
    case 'seq':
      return node.items.map(sample).join('');
    case 'alt':
      return sample(node.alts[randomInt(node.alts.length)]!);
    case 'rep': {
      const top = Math.min(node.max, node.min + EXTRA_REPEATS);
      const n = node.min + randomInt(top - node.min + 1);
      let s = '';
      for (let i = 0; i < n; i++) s += sample(node.body);
      return s;
    }
  }
}

/** A random printable character of the ranges (or any of them, if none is printable). */
function pick(ranges: readonly Range[]): string {
  const printable = intersect(normalize(ranges), PRINTABLE);
  const from = printable.length > 0 ? printable : normalize(ranges);
  const size = from.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
  let k = randomInt(size);
  for (const [lo, hi] of from) {
    if (k <= hi - lo) return String.fromCharCode(lo + k);
    k -= hi - lo + 1;
  }
  throw new Error('empty class');
}

function intersect(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [alo, ahi] of a) for (const [blo, bhi] of b) if (Math.max(alo, blo) <= Math.min(ahi, bhi)) out.push([Math.max(alo, blo), Math.min(ahi, bhi)]);
  return out;
}
