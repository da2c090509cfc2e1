import type { Finding } from '../types.js';
import type { Allowlist, Candidate } from './allowlist.js';
import { isWordUnit, type CompiledRule } from './compiled-rule.js';
import { shannonEntropy } from './entropy.js';

export const DETECTOR_ID = 'secrets';

/** Per-detector settings that decide whether a match becomes a finding. */
export interface FindingPolicy {
  readonly globalAllowlist: Allowlist;
  /** Minimum entropy per rule (after overrides); 0 = no check. */
  minEntropy(rule: CompiledRule): number;
}

/** Offsets of a match: spans[0] is the whole match, spans[g] group g (undefined: did not take part). */
export type MatchSpans = readonly (readonly [number, number] | undefined)[];

/** Group offsets of the V8 match of `rule` starting exactly at `start`. */
export function v8Spans(rule: CompiledRule, text: string, start: number): MatchSpans | null {
  const re = rule.withIndices;
  re.lastIndex = start;
  const m = re.exec(text);
  return m?.indices ?? null;
}

/**
 * Turns a regex match into a finding, or null when gitleaks would drop it (low entropy,
 * allowlisted, failed validation). `floor` is where the rule's previous match ended: the
 * rebuilt match start (lead-in) never reaches back past it.
 */
export function matchToFinding(rule: CompiledRule, text: string, spans: MatchSpans, floor: number, policy: FindingPolicy): Finding | null {
  let [s, e] = spans[0]!;
  // gitleaks trims newlines off both ends of the match.
  while (s < e && text.charCodeAt(s) === 10) s++;
  while (e > s && text.charCodeAt(e - 1) === 10) e--;
  let span: readonly [number, number] | undefined;
  const group = rule.data.secretGroup;
  if (group !== undefined) span = spans[group];
  else {
    for (let g = 1; g < spans.length; g++) {
      const gs = spans[g];
      if (gs && gs[1] > gs[0]) { span = gs; break; }
    }
    if (span === undefined) span = [s, e];
  }
  if (span === undefined || span[1] <= span[0]) return null;
  const secret = text.slice(span[0], span[1]);
  const min = policy.minEntropy(rule);
  if (min > 0 && shannonEntropy(secret) <= min) return null;
  if (rule.data.validate && !rule.data.validate(secret)) return null;
  const candidate = lazyCandidate(text, secret, leadInStart(text, s, floor, rule.data.leadIn ?? 0), s, e);
  if (policy.globalAllowlist.allows(candidate)) return null;
  for (const a of rule.allowlists) if (a.allows(candidate)) return null;
  return { detector: DETECTOR_ID, rule: rule.id, start: span[0], end: span[1], confidence: rule.data.confidence };
}

/** Where gitleaks' match would start: up to `leadIn` `[\w.-]` characters further left. */
function leadInStart(text: string, s: number, floor: number, leadIn: number): number {
  let p = s;
  const limit = Math.max(0, floor, s - leadIn);
  while (p > limit) {
    const c = text.charCodeAt(p - 1);
    if (!isWordUnit(c) && c !== 45 && c !== 46) break;
    p--;
  }
  return p;
}

function lazyCandidate(text: string, secret: string, matchStart: number, s: number, e: number): Candidate {
  return {
    secret,
    match: () => text.slice(matchStart, e),
    line: () => {
      const lineStart = text.lastIndexOf('\n', s - 1) + 1;
      const nl = text.indexOf('\n', e);
      return text.slice(lineStart, nl < 0 ? text.length : nl);
    },
  };
}
