import { LiteralScanner } from '../../prefilter/literal-scanner.js';
import type { Finding } from '../types.js';
import { wordBoundaryAt, type CompiledRule } from './compiled-rule.js';
import { matchToFinding, v8Spans, type FindingPolicy, type MatchSpans } from './match-to-finding.js';

/**
 * Runs a set of compiled rules over a text:
 *  1. one prefilter pass finds every anchor and keyword (ASCII case-insensitive);
 *  2. each anchored rule runs its sticky regex only at its own anchor hits, in order,
 *     skipping hits inside its previous match (gitleaks' non-overlapping matches);
 *  3. rules without anchors, and the few on re2js (see SecretRuleData.engine), run over the
 *     whole text, only if one of their keywords occurred;
 *  4. generic findings that a specific rule also found are dropped (as gitleaks does).
 * Not reentrant (scratch buffers are reused), which is fine: detect() is synchronous.
 */
export class SecretEngine {
  private readonly scanner: LiteralScanner;
  /** For each literal, the rules that use it as an anchor. */
  private readonly anchorRules: readonly (readonly number[])[];
  /** For each rule, the literal ids of its keywords. */
  private readonly keywordLits: readonly (readonly number[])[];
  private readonly fragmentRules: readonly number[];
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
    this.fragmentRules = rules.flatMap((r, i) => (r.mode === 'anchored' ? [] : [i]));
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
      if (rule.mode === 'anchored' && (rule.keywordsImplied || this.keywordSeen(i))) this.runAnchored(rule, i, text, findings);
    }
    for (const i of this.fragmentRules) {
      const rule = this.rules[i]!;
      if (!this.keywordSeen(i)) continue;
      if (rule.mode === 'linear') this.runLinear(rule, text, findings);
      else this.runFragment(rule, text, findings);
    }
    return finish(findings, this.rules);
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

  private runAnchored(rule: CompiledRule, index: number, text: string, out: Finding[]): void {
    const n = this.counts[index]!;
    const starts = this.positions[index]!;
    // Hits arrive ordered by end offset; anchors of different lengths can swap starts.
    insertionSort(starts, n);
    const re = rule.sticky!;
    let consumed = 0;
    let previous = -1;
    for (let k = 0; k < n; k++) {
      const p = starts[k]!;
      if (p < consumed || p === previous) continue;
      previous = p;
      if (rule.wordStart && !wordBoundaryAt(text, p)) continue;
      re.lastIndex = p;
      const m = re.exec(text);
      if (m === null) continue;
      this.emit(rule, text, v8Spans(rule, text, p), consumed, out);
      consumed = p + Math.max(1, m[0].length);
    }
  }

  private emit(rule: CompiledRule, text: string, spans: MatchSpans | null, floor: number, out: Finding[]): void {
    const f = spans && matchToFinding(rule, text, spans, floor, this.policy);
    if (f) out.push(f);
  }

  private runFragment(rule: CompiledRule, text: string, out: Finding[]): void {
    const re = rule.scanAll!;
    re.lastIndex = 0;
    let consumed = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      this.emit(rule, text, v8Spans(rule, text, m.index), consumed, out);
      consumed = m.index + m[0].length;
      if (m[0].length === 0) re.lastIndex++;
    }
  }

  private runLinear(rule: CompiledRule, text: string, out: Finding[]): void {
    const m = rule.linear!.matcher(text);
    const groups = m.groupCount();
    let consumed = 0;
    while (m.find()) {
      const spans: (readonly [number, number] | undefined)[] = [];
      for (let g = 0; g <= groups; g++) spans.push(m.start(g) < 0 ? undefined : [m.start(g), m.end(g)]);
      this.emit(rule, text, spans, consumed, out);
      consumed = m.end();
    }
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

function finish(findings: Finding[], rules: readonly CompiledRule[]): Finding[] {
  const genericIds = new Set(rules.filter((r) => r.generic).map((r) => r.id));
  let kept = findings;
  if (findings.some((f) => genericIds.has(f.rule))) {
    const specific = findings.filter((f) => !genericIds.has(f.rule));
    kept = findings.filter((f) => !genericIds.has(f.rule) || !specific.some((s) => s.start < f.end && f.start < s.end));
  }
  return kept.sort((a, b) => a.start - b.start || a.end - b.end || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}
