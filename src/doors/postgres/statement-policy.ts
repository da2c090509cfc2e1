/**
 * A session's statement policy: the decision on SQL text (classifier + policy engine, given
 * as `decide`), cached by exact text in a bounded cache; and approvals bound to the exact
 * statement bytes, parameters, database and consumer, used up when the statement runs.
 */
import { createHash } from 'node:crypto';
import { resolveAsk, type GateOptions } from '../../approvals/gate.js';
import type { ApprovalStore } from '../../approvals/types.js';
import type { Decision } from '../../policy/decision.js';
import type { DecisionDocument } from '../../policy/document.js';
import type { StatementPolicy, StatementVerdict } from './ports.js';

/** What the classifier and the policy engine say about one SQL text, with the document they judged. */
export interface StatementDecision {
  decision: Decision;
  doc: DecisionDocument;
  kinds: string[];
}

export interface StatementPolicyDeps {
  decide(sql: string, via: 'query' | 'parse'): StatementDecision | Promise<StatementDecision>;
  approvals: ApprovalStore;
  gate: () => Omit<GateOptions, 'now'>;
  database: string;
  /** Bounded per-session cache of decisions by exact text. */
  cacheSize?: number;
}

const toVerdict = (d: StatementDecision): StatementVerdict => ({
  outcome: d.decision.outcome === 'redact' ? 'allow' : d.decision.outcome,
  rule: d.decision.rule,
  reason: d.decision.reason ?? (d.decision.outcome === 'deny' ? 'denied by policy' : ''),
  kinds: d.kinds,
  ...(d.decision.approval && { approval: d.decision.approval }),
  ...(d.decision.reviewUrl && { reviewUrl: d.decision.reviewUrl }),
});

/** The approver reads parameter values; one that is not UTF-8 text is shown (and bound) by its SHA-256. */
function paramFact(p: Buffer | null): string | null {
  if (p === null) return null;
  const s = p.toString('utf8');
  return Buffer.from(s, 'utf8').equals(p) && !/[\u0000-\u0008]/.test(s) ? s : `sha256:${createHash('sha256').update(p).digest('hex')}`;
}

export function createStatementPolicy(deps: StatementPolicyDeps): StatementPolicy {
  const max = deps.cacheSize ?? 512;
  const cache = new Map<string, StatementDecision>();
  const remember = (key: string, d: StatementDecision) => {
    // Only decisions that do not depend on the moment are cached; asks are resolved per execution.
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(key, d);
  };
  const decided = new WeakMap<StatementVerdict, StatementDecision>();
  const verdictOf = (d: StatementDecision) => {
    const v = toVerdict(d);
    decided.set(v, d);
    return v;
  };
  return {
    check(sql, via) {
      const key = `${via}\0${sql}`;
      const hit = cache.get(key);
      if (hit) return verdictOf(hit);
      const d = deps.decide(sql, via);
      if (d instanceof Promise) {
        return d.then((x) => {
          remember(key, x);
          return verdictOf(x);
        });
      }
      remember(key, d);
      return verdictOf(d);
    },
    async approve(sql, params, asked) {
      const d = decided.get(asked);
      if (!d || d.decision.outcome !== 'ask') return { outcome: 'deny', rule: asked.rule, reason: 'no decision to approve (internal)' };
      // The approval covers exactly these bytes: statement text, parameters, database (and, through the store, the consumer).
      const body = { sql, params: params.map(paramFact), database: deps.database };
      const doc: DecisionDocument = { ...d.doc, request: { scheme: 'http', method: 'SQL', host: '', port: 0, path: `/${deps.database}`, query: {}, headers: {}, body } };
      const now = Date.now();
      const r = await resolveAsk(deps.approvals, d.decision, doc, { ...deps.gate(), now });
      if ((r.outcome === 'allow' || r.outcome === 'redact') && r.approval) {
        // One approval, one execution: whoever consumes it first runs; a replay asks again.
        if (await deps.approvals.consume(r.approval, now)) return { outcome: 'allow', rule: r.rule, reason: r.reason ?? '', approval: r.approval, kinds: d.kinds };
        return approve2(deps, d, doc);
      }
      return toVerdict({ ...d, decision: r });
    },
  };
}

/** The approval was used up between lookup and use: the request asks anew. */
async function approve2(deps: StatementPolicyDeps, d: StatementDecision, doc: DecisionDocument): Promise<StatementVerdict> {
  const r = await resolveAsk(deps.approvals, d.decision, doc, { ...deps.gate(), now: Date.now() });
  return r.outcome === 'ask' ? toVerdict({ ...d, decision: r }) : { outcome: 'deny', rule: d.decision.rule, reason: 'the approval was already used' };
}
