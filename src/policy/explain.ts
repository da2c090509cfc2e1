/**
 * Why would a request be allowed or denied? Runs every source (none stops early), and
 * reports each in order with what it said and which rule decided. Used by
 * `warden policy explain` and the admin API.
 */
import type { Decision } from './decision.js';
import type { DecisionDocument } from './document.js';
import { resolvePolicies, type CompiledPolicy } from './compile.js';
import { evaluateTraced, type Scopes, type TraceStep } from './engine.js';

export const SOURCE_ORDER = ['scope', 'acl', 'rules', 'permissions', 'opa', 'default'] as const;

export interface Explanation {
  decision: Decision;
  /** The policies that applied, in scope order. */
  policies: { policy: string; scope: string }[];
  steps: TraceStep[];
  /** The default that applies when nothing decides, and its origin. */
  default: { outcome: 'allow' | 'deny'; rule: string };
}

export async function explain(p: CompiledPolicy, doc: DecisionDocument, scopes?: Scopes): Promise<Explanation> {
  const set = resolvePolicies(p, doc.door, scopes?.route ?? doc.route?.id, scopes?.consumer ?? doc.consumer?.name);
  const { decision, trace } = await evaluateTraced(p, doc, scopes);
  return {
    decision,
    policies: set.policies.map((x) => ({ policy: x.policy, scope: x.scope })),
    steps: trace,
    default: { outcome: set.default, rule: set.defaultRule },
  };
}

function describe(d: Decision): string {
  const bits: string[] = [d.outcome];
  if (d.status) bits.push(String(d.status));
  if (d.code && d.code !== 'WARDEN_E_POLICY_DENIED') bits.push(d.code);
  let s = bits.join(' ');
  if (d.reason) s += ` — ${d.reason}`;
  if (d.redact?.length) s += ` [redact: ${d.redact.join(', ')}]`;
  return s;
}

/** The explanation as text for a terminal. */
export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  lines.push(`decision: ${describe(e.decision)}`);
  lines.push(`decided by: ${e.decision.rule}`);
  lines.push(`policies: ${e.policies.map((x) => `${x.policy} (${x.scope})`).join(', ')}`);
  lines.push(`default: ${e.default.outcome} (${e.default.rule})`);
  lines.push('sources, in order:');
  const w = Math.max(...e.steps.map((s) => s.subject.length), 10);
  e.steps.forEach((s, i) => {
    const where = s.scope === 'credential' ? 'credential' : `${s.policy}@${s.scope}`;
    const said = s.decision ? describe(s.decision) : 'no opinion';
    const rule = s.decision && s.decision.rule !== s.subject ? `  (${s.decision.rule})` : '';
    const mark = s.decision?.rule === e.decision.rule && s.decision.outcome === e.decision.outcome ? ' ◀' : '';
    lines.push(`  ${String(i + 1).padStart(2)}. ${s.source.padEnd(11)} ${where.padEnd(24)} ${s.subject.padEnd(w)}  ${said}${rule}${mark}`);
  });
  return `${lines.join('\n')}\n`;
}
