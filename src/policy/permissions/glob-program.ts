/**
 * Path globs compiled to a token program and run as an NFA over the path string: time is
 * O(path × pattern) whatever the pattern, so no rule and no input can cause catastrophic
 * backtracking (a V8 RegExp like `^(?:.*\/)?a\/(?:.*\/)?b$` can: ReDoS). Compiled once
 * per rule; matching reuses the program's scratch sets and allocates nothing.
 */
import { MAX_PRODUCT_STATES } from './limits.js';

/** Token kinds. */
export const Tk = {
  Lit: 0,
  /** `?`: one character other than `/`. */
  Any1: 1,
  /** `[...]`: one character of a class, never `/`. */
  Class: 2,
  /** `*`: any run of characters other than `/`. */
  Star: 3,
  /** `**` (and a shell expansion like `$X`): any run of characters. */
  GStar: 4,
  /** Consumes nothing: a branch point (its `skip` jumps over an optional group such as `**\/`). */
  Eps: 5,
} as const;
export type Tk = (typeof Tk)[keyof typeof Tk];

export interface Tok {
  kind: Tk;
  code: number;
  neg: boolean;
  ranges: number[] | null;
  /** Extra epsilon edge from this state before it consumes anything (-1: none). */
  skip: number;
  /** Shell globs: a wildcard at the start of a segment never matches a leading `.`. */
  noDot: boolean;
}

export interface GlobProgram {
  readonly toks: Tok[];
  /** May start at position 0 or right after any `/` (gitignore patterns without an anchor). */
  readonly floating: boolean;
  /** A match ending right before a `/` covers everything below (a matched directory). */
  readonly dirCover: boolean;
  readonly ci: boolean;
  /** A literal run every match contains (lower-cased when ci): a cheap `includes` prefilter. */
  readonly need: string | null;
  readonly cur: Uint8Array;
  readonly nxt: Uint8Array;
  explicit?: { toks: Tok[]; closures: number[][] };
}

const SLASH = 47;

export function tok(kind: Tk, code = 0, skip = -1): Tok {
  return { kind, code, neg: false, ranges: null, skip, noDot: false };
}

export function program(toks: Tok[], floating: boolean, dirCover: boolean, ci: boolean): GlobProgram {
  if (ci) for (const t of toks) if (t.kind === Tk.Lit) t.code = fold(t.code);
  return { toks, floating, dirCover, ci, need: longestLiteral(toks), cur: new Uint8Array(toks.length + 1), nxt: new Uint8Array(toks.length + 1) };
}

/** The longest run of literal tokens no epsilon edge can jump over (at least 2 characters). */
function longestLiteral(toks: Tok[]): string | null {
  const skipped = new Uint8Array(toks.length + 1);
  toks.forEach((t, i) => {
    if (t.skip > i) for (let k = i + 1; k < t.skip; k++) skipped[k] = 1;
  });
  let best = '';
  let run = '';
  toks.forEach((t, i) => {
    if (t.kind === Tk.Lit && !skipped[i]) run += String.fromCharCode(t.code);
    else run = '';
    if (run.length > best.length) best = run;
  });
  return best.length >= 2 ? best : null;
}

function contains(s: string, need: string, ci: boolean): boolean {
  if (s.includes(need)) return true;
  if (!ci) return false;
  const first = need.charCodeAt(0);
  outer: for (let i = 0; i + need.length <= s.length; i++) {
    if (fold(s.charCodeAt(i)) !== first) continue;
    for (let k = 1; k < need.length; k++) if (fold(s.charCodeAt(i + k)) !== need.charCodeAt(k)) continue outer;
    return true;
  }
  return false;
}

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function add(set: Uint8Array, toks: Tok[], i: number): void {
  for (;;) {
    if (set[i]) return;
    set[i] = 1;
    if (i === toks.length) return;
    const t = toks[i]!;
    if (t.skip >= 0) add(set, toks, t.skip);
    if (t.kind !== Tk.Star && t.kind !== Tk.GStar && t.kind !== Tk.Eps) return;
    i++;
  }
}

function inClass(t: Tok, c: number, ci: boolean): boolean {
  const r = t.ranges!;
  let hit = false;
  for (let k = 0; k < r.length && !hit; k += 2) {
    if (c >= r[k]! && c <= r[k + 1]!) hit = true;
    else if (ci) {
      const up = c >= 97 && c <= 122 ? c - 32 : c;
      if ((up >= r[k]! && up <= r[k + 1]!) || (fold(c) >= r[k]! && fold(c) <= r[k + 1]!)) hit = true;
    }
  }
  return hit !== t.neg;
}

/** Whether the whole of `s` matches (or, with dirCover, a prefix of `s` ending before a `/`). */
export function matchGlob(p: GlobProgram, s: string): boolean {
  if (p.need !== null && !contains(s, p.need, p.ci)) return false;
  const { toks, ci } = p;
  const m = toks.length;
  const n = s.length;
  let cur = p.cur;
  let nxt = p.nxt;
  cur.fill(0);
  add(cur, toks, 0);
  for (let pos = 0; ; pos++) {
    if (cur[m] && (pos === n || (p.dirCover && s.charCodeAt(pos) === SLASH))) return true;
    if (pos === n) return false;
    const raw = s.charCodeAt(pos);
    const ch = ci ? fold(raw) : raw;
    nxt.fill(0);
    let live = false;
    for (let i = 0; i < m; i++) {
      if (!cur[i]) continue;
      const t = toks[i]!;
      let to = -1;
      if (t.kind === Tk.Eps) continue;
      if (t.kind === Tk.Lit) to = t.code === ch ? i + 1 : -1;
      else if (t.kind === Tk.GStar) to = i;
      else if (ch !== SLASH && !(t.noDot && raw === 46)) to = t.kind === Tk.Star ? i : t.kind === Tk.Any1 || inClass(t, raw, ci) ? i + 1 : -1;
      if (to >= 0) {
        add(nxt, toks, to);
        live = true;
      }
    }
    if (p.floating && raw === SLASH) {
      add(nxt, toks, 0);
      live = true;
    }
    if (!live) {
      if (!p.floating) return false;
      const k = s.indexOf('/', pos + 1);
      if (k < 0) return false;
      nxt.fill(0);
      add(nxt, toks, 0);
      pos = k;
    }
    const swap = cur;
    cur = nxt;
    nxt = swap;
  }
}

/** The program with its floating prefix and directory suffix spelled out as tokens. */
function explicitOf(p: GlobProgram): { toks: Tok[]; closures: number[][] } {
  if (p.explicit) return p.explicit;
  const head: Tok[] = p.floating ? [tok(Tk.Eps, 0, 3), tok(Tk.GStar), tok(Tk.Lit, SLASH)] : [];
  const shift = head.length;
  const body = p.toks.map((t) => ({ ...t, skip: t.skip >= 0 ? t.skip + shift : -1 }));
  const toks = [...head, ...body];
  if (p.dirCover) {
    const end = toks.length;
    toks.push(tok(Tk.Lit, SLASH, end + 2), tok(Tk.GStar));
  }
  const closures: number[][] = [];
  const set = new Uint8Array(toks.length + 1);
  for (let i = 0; i <= toks.length; i++) {
    set.fill(0);
    add(set, toks, i);
    const list: number[] = [];
    for (let k = 0; k <= toks.length; k++) if (set[k]) list.push(k);
    closures.push(list);
  }
  p.explicit = { toks, closures };
  return p.explicit;
}

/** Character set a token consumes: a code, -1 any but `/`, -2 anything, -3 any but `/` and `.`. */
function charSet(t: Tok): number {
  return t.kind === Tk.Lit ? t.code : t.kind === Tk.GStar ? -2 : t.noDot ? -3 : -1;
}

function admits(set: number, c: number): boolean {
  return set === -2 || (c !== SLASH && (set === -1 || c !== 46));
}

function compatible(a: number, b: number, ci: boolean): boolean {
  if (a >= 0 && b >= 0) return ci ? fold(a) === fold(b) : a === b;
  if (a >= 0) return admits(b, a);
  if (b >= 0) return admits(a, b);
  return true;
}

/**
 * Whether some path matches both programs: "could this glob argument (`cat *.pe?`) name a
 * file this rule protects". Over-approximates inside character classes, never under.
 */
export function globsIntersect(a: GlobProgram, b: GlobProgram): boolean {
  const A = explicitOf(a);
  const B = explicitOf(b);
  const ma = A.toks.length;
  const mb = B.toks.length;
  const width = mb + 1;
  if ((ma + 1) * width > MAX_PRODUCT_STATES) return true;
  const seen = new Uint8Array((ma + 1) * width);
  const stack: number[] = [];
  const push = (i: number, j: number): void => {
    for (const x of A.closures[i]!)
      for (const y of B.closures[j]!) {
        const key = x * width + y;
        if (!seen[key]) {
          seen[key] = 1;
          stack.push(key);
        }
      }
  };
  const ci = a.ci || b.ci;
  push(0, 0);
  while (stack.length) {
    const key = stack.pop()!;
    const i = Math.floor(key / width);
    const j = key % width;
    if (i === ma && j === mb) return true;
    if (i === ma || j === mb) continue;
    const ta = A.toks[i]!;
    const tb = B.toks[j]!;
    if (ta.kind === Tk.Eps || tb.kind === Tk.Eps) continue;
    if (!compatible(charSet(ta), charSet(tb), ci)) continue;
    const ni = ta.kind === Tk.Star || ta.kind === Tk.GStar ? i : i + 1;
    const nj = tb.kind === Tk.Star || tb.kind === Tk.GStar ? j : j + 1;
    push(ni, nj);
  }
  return false;
}
