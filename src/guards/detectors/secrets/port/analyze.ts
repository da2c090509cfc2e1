import { foldCase, lowerAscii, normalize, WORD, type Node, type Range } from './re2-ast.js';

/** Longest match the pattern can produce, in code units; Infinity when unbounded. */
export function maxLength(node: Node): number {
  switch (node.t) {
    case 'lit': case 'class': case 'any': return 1;
    case 'assert': return 0;
    case 'group': return maxLength(node.body);
    case 'seq': return node.items.reduce((n, i) => n + maxLength(i), 0);
    case 'alt': return Math.max(...node.alts.map(maxLength));
    case 'rep': {
      const body = maxLength(node.body);
      return body === 0 ? 0 : node.max * body;
    }
  }
}

/** The `[\w.-]` class gitleaks puts in front of identifiers (`[\w.-]{0,50}?`). */
const LEAD_IN_CLASS = normalize([...WORD, [0x2d, 0x2e]]);

export interface Stripped { node: Node; leadIn: number }

/**
 * Removes leading lazy `[\w.-]{0,n}?` runs. Under leftmost-first matching such a prefix
 * only moves the match start left over identifier characters: the rest of the pattern
 * matches at the same place with the same groups, so the scanner can start exactly at the
 * identifier (found by the prefilter) and rebuild the full match start when it needs it.
 */
export function stripLeadIn(node: Node): Stripped {
  if (node.t === 'alt') {
    const parts = node.alts.map(stripLeadIn);
    return { node: { t: 'alt', alts: parts.map((p) => p.node) }, leadIn: Math.max(...parts.map((p) => p.leadIn)) };
  }
  if (node.t !== 'seq') return { node, leadIn: 0 };
  const items = [...node.items];
  let leadIn = 0;
  for (;;) {
    const first = items[0];
    if (first && isLeadIn(first)) {
      leadIn += (first as { max: number }).max;
      items.shift();
      continue;
    }
    if (first?.t === 'group' && !first.capture && first.body.t === 'seq' && first.body.items[0] && isLeadIn(first.body.items[0])) {
      const inner = stripLeadIn(first.body);
      leadIn += inner.leadIn;
      items[0] = { t: 'group', capture: false, body: inner.node };
    }
    break;
  }
  return { node: items.length === 1 ? items[0]! : { t: 'seq', items }, leadIn };
}

function isLeadIn(n: Node): boolean {
  if (n.t !== 'rep' || n.min !== 0 || !n.lazy || n.max === Infinity || n.body.t !== 'class' || n.body.neg) return false;
  const ranges = normalize(n.body.ranges);
  return ranges.length === LEAD_IN_CLASS.length && ranges.every((r, i) => r[0] === LEAD_IN_CLASS[i]![0] && r[1] === LEAD_IN_CLASS[i]![1]);
}

interface Lits { set: string[]; complete: boolean }

const MAX_LITS = 64;
const MAX_LIT_LEN = 16;
const MAX_CLASS_ENUM = 4;

/**
 * Lower-cased literal prefixes such that every match starts with one of them (compared
 * case-insensitively), or null when no useful finite set exists. These are the anchors
 * where the prefilter tells the engine to try the rule.
 */
export function literalPrefixes(node: Node, minLength = 2): string[] | null {
  const { set } = lits(node);
  if (set.length === 0 || set.length > MAX_LITS || set.some((s) => s.length < minLength)) return null;
  const sorted = [...new Set(set)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  // A longer anchor that starts with a shorter one adds nothing: the shorter one fires too.
  return sorted.filter((s, i) => !sorted.slice(0, i).some((p) => s.startsWith(p)));
}

function lits(node: Node): Lits {
  switch (node.t) {
    case 'lit':
      return { set: [String.fromCharCode(lowerAscii(node.c))], complete: true };
    case 'class': {
      if (node.neg) return { set: [''], complete: false };
      const chars = charsOf(node.ci ? foldCase(node.ranges) : node.ranges);
      return chars ? { set: chars, complete: true } : { set: [''], complete: false };
    }
    case 'any':
      return { set: [''], complete: false };
    case 'assert':
      return { set: [''], complete: true };
    case 'group':
      return lits(node.body);
    case 'alt': {
      const parts = node.alts.map(lits);
      return { set: parts.flatMap((p) => p.set), complete: parts.every((p) => p.complete) };
    }
    case 'seq': {
      let acc: Lits = { set: [''], complete: true };
      for (const item of node.items) {
        const next = lits(item);
        acc = cross(acc.set, next);
        if (!acc.complete) break;
      }
      return acc;
    }
    case 'rep':
      return repLits(node);
  }
}

function repLits(node: Extract<Node, { t: 'rep' }>): Lits {
  const body = lits(node.body);
  if (body.complete && node.max <= 3) {
    let acc: Lits = { set: [''], complete: true };
    const all: string[] = node.min === 0 ? [''] : [];
    for (let i = 1; i <= node.max; i++) {
      acc = cross(acc.set, body);
      if (!acc.complete || acc.set.length > MAX_LITS) return { set: node.min >= 1 ? body.set : [''], complete: false };
      if (i >= node.min) all.push(...acc.set);
    }
    return { set: all, complete: true };
  }
  return node.min >= 1 ? { set: body.set, complete: false } : { set: [''], complete: false };
}

function cross(prefixes: string[], next: Lits): Lits {
  const out: string[] = [];
  let complete = next.complete;
  for (const p of prefixes) {
    for (const s of next.set) {
      const joined = p + s;
      if (joined.length > MAX_LIT_LEN) complete = false;
      out.push(joined.slice(0, MAX_LIT_LEN));
    }
  }
  if (out.length > MAX_LITS) return { set: prefixes, complete: false };
  return { set: [...new Set(out)], complete };
}

/** Lower-cased characters of a small class, or null for a large one. */
function charsOf(ranges: readonly Range[]): string[] | null {
  const chars = new Set<string>();
  for (const [lo, hi] of ranges) {
    if (hi - lo > MAX_CLASS_ENUM) return null;
    for (let c = lo; c <= hi; c++) chars.add(String.fromCharCode(lowerAscii(c)));
    if (chars.size > MAX_CLASS_ENUM) return null;
  }
  return [...chars];
}
