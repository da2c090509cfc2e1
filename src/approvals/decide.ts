/**
 * Answering an approval: the one place the admin API and the CLI both go through. Segregation
 * of duties (seed 002): the answer comes from an authenticated admin identity whose role may
 * decide, who is not the consumer that asked, and who is among the approval's `approvers`.
 * Every attempt, decided or refused, is recorded as an approval event for the audit log.
 */
import { WardenError, asWardenError } from '../core/errors.js';
import { requirePermission } from '../identity/admin-principal.js';
import { rolesOf, type AdminPrincipal } from '../identity/admin-roles.js';
import type { Approval, ApprovalEvent, ApprovalStore } from './types.js';

export type DecideVerb = 'approve' | 'deny';

export interface DecideRequest {
  id: string;
  verb: DecideVerb;
  by: AdminPrincipal;
  note?: string;
  /** How long the answer holds; default: the grant TTL recorded when it was asked. */
  ttlMs?: number;
  now: number;
}

/**
 * An `approvers` entry names an admin identity (its name), one of its groups, or a role
 * (`role:approver`). No entries: any identity whose role may decide.
 */
export function isListedApprover(approvers: readonly string[], p: AdminPrincipal): boolean {
  if (!approvers.length) return true;
  const roles = rolesOf(p);
  return approvers.some((e) => e === p.name || p.groups.includes(e) || (e.startsWith('role:') && roles.some((r) => e === `role:${r}`)));
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A name without an issuer's `consumer_prefix` (`okta:alice` → `alice`). */
const bare = (name: string) => name.slice(name.lastIndexOf(':') + 1);

/**
 * Names under which the approver may have asked themselves. Warden does not know that the
 * virtual key of consumer `alice` and the OIDC login `okta:alice` are one person, so it
 * refuses when the names agree once a consumer prefix is set aside, or when the login's
 * subject is the consumer's name: a namesake at another issuer may be refused too, which
 * another approver then answers.
 */
function sameRequester(a: Approval, p: AdminPrincipal): boolean {
  const asked = new Set([a.consumer, bare(a.consumer)].filter(Boolean));
  const mine = [p.name, p.oidc?.consumer, p.oidc && bare(p.oidc.consumer), p.oidc?.subject];
  return mine.some((n) => n !== undefined && n !== '' && asked.has(n));
}

/** Why this principal may not answer this approval, or undefined when it may. */
export function refusalFor(a: Approval, p: AdminPrincipal, now: number): WardenError | undefined {
  if (p.name === a.consumer || (!p.oidc && sameRequester(a, p))) {
    return new WardenError('WARDEN_E_APPROVAL_SELF', `approval ${a.id} was asked for by consumer ${a.consumer}; ${p.name} cannot answer their own request: another approver must decide`);
  }
  // An OIDC approver is the requester when the request came with their own token (same
  // issuer and subject), or from the consumer their token maps to.
  if (p.oidc && ((a.requesterKey !== null && a.requesterKey === p.oidc.keyId) || sameRequester(a, p))) {
    return new WardenError('WARDEN_E_APPROVAL_SELF', `approval ${a.id} was asked for by ${p.oidc.consumer} (${p.name}): the same identity cannot answer its own request; another approver must decide`);
  }
  if (!isListedApprover(a.approvers, p)) {
    const who = p.groups.length ? `${p.name} (role ${p.role}, groups ${p.groups.join(', ')})` : `${p.name} (role ${p.role})`;
    return new WardenError('WARDEN_E_APPROVAL_NOT_APPROVER', `approval ${a.id} may be answered only by ${a.approvers.join(', ')} (rule ${a.rule}); ${who} is none of them`);
  }
  if (a.status === 'executed') {
    return new WardenError('WARDEN_E_APPROVAL_EXECUTED', `approval ${a.id} was approved by ${a.decidedBy ?? 'an approver'} and already executed at ${iso(a.executedAt ?? a.created)} by session ${a.executedBy ?? '?'}; it runs once and cannot be answered again`);
  }
  if (a.status !== 'pending') {
    return new WardenError('WARDEN_E_APPROVAL_CLOSED', `approval ${a.id} was already ${a.status} by ${a.decidedBy ?? 'an approver'} at ${iso(a.decidedAt ?? a.created)}; only a pending approval can be answered`);
  }
  if (a.expires <= now) {
    return new WardenError('WARDEN_E_APPROVAL_CLOSED', `approval ${a.id} expired at ${iso(a.expires)} unanswered; a new identical request asks again`);
  }
  return undefined;
}

function event(r: Pick<DecideRequest, 'id' | 'verb' | 'now'>, actor: { name: string; role: string | null; via: AdminPrincipal['via'] }, a: Approval | undefined) {
  return { approval: r.id.slice(0, 64), at: r.now, actor: actor.name, role: actor.role, via: actor.via, action: r.verb, consumer: a?.consumer ?? null, rule: a?.rule ?? null };
}

/** Answers the approval or throws the refusal; either way the attempt is recorded. */
export async function decideApproval(store: ApprovalStore, r: DecideRequest): Promise<Approval> {
  const p = r.by;
  let a: Approval | undefined;
  try {
    a = await store.get(r.id);
    requirePermission(p, 'approvals.decide');
    if (!a) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no approval ${r.id}`);
    const refused = refusalFor(a, p, r.now);
    if (refused) throw refused;
    const status = r.verb === 'approve' ? 'approved' : 'denied';
    const expires = r.now + (r.ttlMs ?? a.grantTtlMs);
    const reason = `${status} ${a.id} (rule ${a.rule}, asked by consumer ${a.consumer}) as ${p.name} (role ${p.role}) via ${p.via}; holds until ${iso(expires)}`;
    const decided = await store.decide(a.id, { status, by: p.name, role: p.role, via: p.via, note: r.note, now: r.now, expires }, { ...event(r, p, a), outcome: status, code: null, reason });
    if (!decided) throw new WardenError('WARDEN_E_APPROVAL_CLOSED', `approval ${a.id} was answered or expired meanwhile`);
    return decided;
  } catch (e) {
    const err = asWardenError(e);
    await store.recordEvent({ ...event(r, p, a), outcome: 'refused', code: err.code, reason: err.message });
    throw err;
  }
}

/**
 * An attempt refused before it reached `decideApproval`: no key, a wrong or virtual key
 * (actor undefined: `unauthenticated`), a verified OIDC identity without an admin role (named,
 * role null), or a malformed answer from a known principal.
 */
export async function recordRefusedAttempt(store: ApprovalStore, r: Pick<DecideRequest, 'id' | 'verb' | 'now'>, via: AdminPrincipal['via'], e: WardenError, actor?: { name: string; role: string | null }): Promise<ApprovalEvent> {
  const a = await store.get(r.id);
  const who = actor ? { name: actor.name, role: actor.role, via } : { name: 'unauthenticated', role: null, via };
  return store.recordEvent({ ...event(r, who, a), outcome: 'refused', code: e.code, reason: e.message });
}
