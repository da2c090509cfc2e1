import { LiteralScanner } from '../../prefilter/literal-scanner.js';
import type { Finding } from '../types.js';
import type { CompiledRule } from './compiled-rule.js';
import { combineFindings } from './combine.js';
import type { FindingPolicy } from './match-to-finding.js';
import { runAnchored, runFragment, runLinear } from './runners.js';

/**
 * Runs a set of compiled rules over a text:
 *  1. one prefilter pass finds every anchor and keyword (ASCII case-insensitive);
 *  2. each anchored rule runs only at its own anchor hits (runners.ts): V8 sticky, or
 *     re2js over windows from the hits for the few rules that need linear time;
 *  3. rules without anchors run over the whole text, only if one of their keywords occurred;
 *  4. generic findings that a specific rule also found are dropped (as gitleaks does; combine.ts).
 * Not reentrant (scratch buffers are reused), which is fine: detect() is synchronous.
 */
export class SecretEngine {
  private readonly scanner: LiteralScanner;
  /** For each literal, the rules that use it as an anchor. */
  private readonly anchorRules: readonly (readonly number[])[];
  /** For each rule, the literal ids of its keywords. */
  private readonly keywordLits: readonly (readonly number[])[];
  private readonly fragmentRules: readonly number[];
  private readonly genericIds: ReadonlySet<string>;
  private readonly seen: Uint8Array;
  private readonly counts: Int32Array;
  private readonly positions: Int32Array[];

  constructor(private readonly rules: readonly CompiledRule[], private readonly policy: FindingPolicy) {
    const literals: string[] = [];
    const idOf = new Map<string, number>();
    const lit = (s: string): number => {
      let id = idOf.get(s);
      if (id === undefined) {
        id = literals.length;
        literals.push(s);
        idOf.set(s, id);
      }
      return id;
    };
    const anchorRules: number[][] = [];
    this.keywordLits = rules.map((r) => r.data.keywords.map(lit));
    rules.forEach((r, i) => {
      for (const a of r.data.anchors ?? []) (anchorRules[lit(a)] ??= []).push(i);
    });
    this.anchorRules = literals.map((_, id) => anchorRules[id] ?? []);
    this.fragmentRules = rules.flatMap((r, i) => (r.mode === 'fragment' ? [i] : []));
    this.genericIds = new Set(rules.filter((r) => r.generic).map((r) => r.id));
    this.scanner = new LiteralScanner(literals);
    this.seen = new Uint8Array(literals.length);
    this.counts = new Int32Array(rules.length);
    this.positions = rules.map(() => new Int32Array(16));
  }

  detect(text: string): Finding[] {
    const touched = this.collectCandidates(text);
    const findings: Finding[] = [];
    for (const i of touched) {
      const rule = this.rules[i]!;
      if (!rule.keywordsImplied && !this.keywordSeen(i)) continue;
      const n = this.counts[i]!;
      const starts = this.positions[i]!;
      // Hits arrive ordered by end offset; anchors of different lengths can swap starts.
      insertionSort(starts, n);
      if (rule.mode === 'linear') runLinear(rule, text, starts, n, this.policy, findings);
      else runAnchored(rule, text, starts, n, this.policy, findings);
    }
    for (const i of this.fragmentRules) {
      if (this.keywordSeen(i)) runFragment(this.rules[i]!, text, this.policy, findings);
    }
    return combineFindings(findings, this.genericIds);
  }

  /** Prefilter pass: marks seen literals and files each anchor hit under its rules. */
  private collectCandidates(text: string): number[] {
    this.seen.fill(0);
    this.counts.fill(0);
    const hits = this.scanner.scan(text);
    const touched: number[] = [];
    const { counts, positions, anchorRules, seen } = this;
    for (let h = 0; h < hits.count; h++) {
      const id = hits.ids[h]!;
      seen[id] = 1;
      for (const r of anchorRules[id]!) {
        let buf = positions[r]!;
        const n = counts[r]!;
        if (n === 0) touched.push(r);
        if (n === buf.length) {
          const bigger = new Int32Array(n * 2);
          bigger.set(buf);
          positions[r] = buf = bigger;
        }
        buf[n] = hits.starts[h]!;
        counts[r] = n + 1;
      }
    }
    return touched.sort((a, b) => a - b);
  }

  private keywordSeen(rule: number): boolean {
    for (const id of this.keywordLits[rule]!) if (this.seen[id] === 1) return true;
    return false;
  }
}

function insertionSort(a: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}
