import type { Finding } from '../types.js';
import { wordBoundaryAt, type CompiledRule } from './compiled-rule.js';
import { matchToFinding, v8Spans, type FindingPolicy } from './match-to-finding.js';

/**
 * The three ways a rule runs over a text. Each keeps gitleaks' semantics of a global
 * scan: leftmost matches that do not overlap (a hit inside the previous match is skipped).
 */

/** V8 sticky regex at each anchor hit (`starts`, ascending), less the rule's anchor offset. */
export function runAnchored(rule: CompiledRule, text: string, starts: Int32Array, n: number, policy: FindingPolicy, out: Finding[]): void {
  const re = rule.sticky!;
  let consumed = 0;
  let previous = -1;
  for (let k = 0; k < n; k++) {
    const p = starts[k]! - rule.anchorOffset;
    if (p < consumed || p === previous) continue;
    previous = p;
    if (rule.wordStart && !wordBoundaryAt(text, p)) continue;
    re.lastIndex = p;
    const m = re.exec(text);
    if (m === null) continue;
    emit(rule, text, p, consumed, policy, out);
    consumed = p + Math.max(1, m[0].length);
  }
}

/** V8 global regex over the whole text (rules without anchors; all have bounded matches). */
export function runFragment(rule: CompiledRule, text: string, policy: FindingPolicy, out: Finding[]): void {
  const re = rule.scanAll!;
  re.lastIndex = 0;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    emit(rule, text, m.index, consumed, policy, out);
    consumed = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
}

/**
 * How far past an anchor a re2js rule's match is looked for. Those patterns (curl
 * commands, nuget entries) are unbounded; real ones fit well within this.
 */
export const LINEAR_WINDOW = 8192;

/**
 * re2js (linear time) over merged windows that start at the anchor hits: the total work is
 * bounded by the text length however densely the anchors are packed. re2js only finds
 * where matches start; V8 then re-runs at that start on the whole text for the groups.
 */
export function runLinear(rule: CompiledRule, text: string, starts: Int32Array, n: number, policy: FindingPolicy, out: Finding[]): void {
  let consumed = 0;
  let k = 0;
  while (k < n) {
    // One char before the anchor, so `\b` at the anchor sees its real left neighbour.
    const from = Math.max(0, starts[k]! - 1);
    let to = Math.min(text.length, starts[k]! + LINEAR_WINDOW);
    while (k + 1 < n && starts[k + 1]! - 1 <= to) to = Math.min(text.length, starts[++k]! + LINEAR_WINDOW);
    k++;
    const window = text.slice(from, to);
    // The DFA test is much cheaper than a capturing search; most windows hold no match.
    if (!rule.linear!.test(window)) continue;
    const m = rule.linear!.matcher(window);
    while (m.find()) {
      const start = from + m.start();
      if (start < consumed) continue;
      const end = emit(rule, text, start, consumed, policy, out);
      if (end > start) consumed = end;
    }
  }
}

/** Finding for the V8 match at `start`, if it is one; returns the match end (or -1). */
function emit(rule: CompiledRule, text: string, start: number, floor: number, policy: FindingPolicy, out: Finding[]): number {
  const spans = v8Spans(rule, text, start);
  if (spans === null) return -1;
  const f = matchToFinding(rule, text, spans, floor, policy);
  if (f) out.push(f);
  return spans[0]![1];
}
