import type { Finding } from '../types.js';

/**
 * The engine's last step: drops each generic finding that overlaps a specific one (as
 * gitleaks does: `generic-api-key` must not double-report a GitHub token) and orders the rest
 * by start, end, rule.
 *
 * Sort-and-sweep, O(n log n): specifics sorted by start with a running maximum of their
 * ends; generics taken in order of end. A generic [gs, ge) overlaps some specific iff among
 * the specifics starting before ge the largest end exceeds gs. The pairwise test it
 * replaces was quadratic: 8 MB of token-shaped text held the event loop for minutes.
 */
export function combineFindings(findings: Finding[], genericIds: ReadonlySet<string>): Finding[] {
  if (findings.length === 0) return findings;
  const generic: Finding[] = [];
  const specific: Finding[] = [];
  for (const f of findings) (genericIds.has(f.rule) ? generic : specific).push(f);
  let kept = findings;
  if (generic.length > 0 && specific.length > 0) {
    const byStart = specific.sort((a, b) => a.start - b.start);
    const dropped = new Set<Finding>();
    let k = 0;
    let maxEnd = -Infinity;
    for (const g of generic.sort((a, b) => a.end - b.end)) {
      while (k < byStart.length && byStart[k]!.start < g.end) maxEnd = Math.max(maxEnd, byStart[k++]!.end);
      if (maxEnd > g.start) dropped.add(g);
    }
    if (dropped.size > 0) kept = findings.filter((f) => !dropped.has(f));
  }
  return kept.sort(byPosition);
}

function byPosition(a: Finding, b: Finding): number {
  return a.start - b.start || a.end - b.end || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}
