/**
 * What the engine answers, and how a refusal becomes the catalogue error a door renders.
 */
import { WardenError, type ErrorCode } from '../core/errors.js';
import type { DecisionRecord } from '../core/exchange.js';
import { pendingApprovalNotice } from '../approvals/notice.js';

export type Outcome = 'allow' | 'deny' | 'ask' | 'redact';

export interface Decision {
  outcome: Outcome;
  /** Id of the rule that decided: `scope.key.models`, `acl:global.deny`, `rule:global.no-prod`, `opa:global`, `default:allow`, … */
  rule: string;
  reason?: string;
  /** HTTP status of a refusal (ACL `rejected_code`, rule `status`, OPA `status_code`). */
  status?: number;
  /** Catalogue code a refusal renders as; WARDEN_E_POLICY_DENIED when absent. */
  code?: ErrorCode;
  /** Response headers a refusal must carry (OPA `result.headers` on deny). */
  headers?: Record<string, string>;
  /**
   * Headers to set on the upstream request (OPA `send_headers_upstream`). null means: remove
   * the client's header of that name, so a client cannot forge what the policy did not say.
   */
  upstreamHeaders?: Record<string, string | null>;
  /** Outcome redact: the guard detectors that must redact before the request goes on. */
  redact?: string[];
  /** Outcome ask: who may approve: admin key names, groups, or `role:<role>` (src/approvals/decide.ts). */
  approvers?: string[];
  /** The approval: pending (ask), granted (allow) or refused (deny). */
  approval?: string;
  /** Outcome ask: where a human reviews the pending approval (`policy.approvals.review_url`). */
  reviewUrl?: string;
}

export type DenyCode = Extract<ErrorCode, 'WARDEN_E_POLICY_DENIED' | 'WARDEN_E_MODEL_NOT_ALLOWED' | 'WARDEN_E_POLICY_UNAVAILABLE' | 'WARDEN_E_POLICY_BAD_ANSWER' | 'WARDEN_E_AUTH_MISSING'>;

/**
 * A policy refusal. Carries the whole decision so a door that must speak a foreign contract
 * (the APISIX body of an OPA `reason`) can render it verbatim.
 */
export class PolicyDeniedError extends WardenError {
  constructor(
    readonly decision: Decision,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message, { status: decision.status, headers: decision.headers, rule: decision.rule });
    this.name = 'PolicyDeniedError';
  }
}

/** The error a door answers with for a deny or ask decision. */
export function decisionToError(d: Decision): WardenError {
  if (d.outcome === 'deny') {
    const code = d.code ?? 'WARDEN_E_POLICY_DENIED';
    const reason = d.reason ?? 'request denied by policy';
    return new PolicyDeniedError(d, code, code === 'WARDEN_E_POLICY_DENIED' ? `${reason} (rule ${d.rule})` : reason);
  }
  if (d.outcome === 'ask') {
    const how = d.approval ? pendingApprovalNotice(d.approval, d.reviewUrl) : 'no approval store is configured to record it';
    const why = d.reason ? `${d.reason}; ` : '';
    return new PolicyDeniedError({ ...d, status: undefined }, 'WARDEN_E_APPROVAL_REQUIRED', `${why}rule ${d.rule} needs a human approval: ${how}, then repeat the request`);
  }
  throw new Error(`decisionToError: outcome ${d.outcome} is not a refusal`);
}

/** The part of a decision that lands in the audit record. */
export function toDecisionRecord(d: Decision): DecisionRecord {
  const r: DecisionRecord = { outcome: d.outcome, rule: d.rule };
  if (d.reason !== undefined) r.reason = d.approval && d.outcome !== 'ask' ? `${d.reason} [approval ${d.approval}]` : d.reason;
  else if (d.approval) r.reason = `approval ${d.approval}`;
  return r;
}
