/**
 * The approval gate every door runs after the engine: an "ask" decision becomes a pending
 * approval (or reuses the live one for the same request); once a human approved it, an
 * identical request from the same consumer is allowed until the approval expires.
 */
import type { Decision } from '../policy/decision.js';
import type { DecisionDocument } from '../policy/document.js';
import { fingerprint, summarize } from './fingerprint.js';
import type { ApprovalStore } from './types.js';

export interface GateOptions {
  pendingTtlMs: number;
  grantTtlMs: number;
  /** Named in the agent's error as where a human reviews the approval. */
  reviewUrl?: string;
  now?: number;
}

/** Consumer key for requests without one (identity runs first, so this is rare). */
const ANONYMOUS = '-';

/**
 * Resolves an "ask" against the store; any other decision is returned unchanged.
 * Results: allow/redact (approved, `approval` set), deny (an approver refused), or ask
 * with `approval` naming the pending id for WARDEN_E_APPROVAL_REQUIRED.
 */
export async function resolveAsk(store: ApprovalStore, d: Decision, doc: DecisionDocument, opts: GateOptions): Promise<Decision> {
  if (d.outcome !== 'ask') return d;
  const now = opts.now ?? Date.now();
  const consumer = doc.consumer?.name ?? ANONYMOUS;
  const fp = fingerprint(doc, d.rule);
  const live = await store.findLive(consumer, fp, now);
  if (live?.status === 'approved') {
    const granted: Decision = { outcome: d.redact?.length ? 'redact' : 'allow', rule: d.rule, approval: live.id, reason: `approved by ${live.decidedBy ?? 'an approver'}` };
    if (d.redact?.length) granted.redact = d.redact;
    return granted;
  }
  if (live?.status === 'denied') {
    return { outcome: 'deny', rule: d.rule, approval: live.id, status: 403, reason: `approval ${live.id} was refused by ${live.decidedBy ?? 'an approver'}${live.note ? `: ${live.note}` : ''}` };
  }
  const review = opts.reviewUrl ? { reviewUrl: opts.reviewUrl } : {};
  if (live) return { ...d, approval: live.id, ...review };
  const created = await store.create({
    consumer,
    door: doc.door,
    summary: summarize(doc),
    rule: d.rule,
    fingerprint: fp,
    approvers: d.approvers ?? [],
    created: now,
    expires: now + opts.pendingTtlMs,
    grantTtlMs: opts.grantTtlMs,
    requesterKey: doc.key?.id ?? null,
  });
  return { ...d, approval: created.id, ...review };
}
