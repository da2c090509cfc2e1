/**
 * `/admin/approvals`: list and read approvals (approvals.read), answer one
 * (`POST /admin/approvals/<id>/approve|deny`, approvals.decide). The answer is recorded
 * under the admin key's name and written to the audit log before the response is sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { auditApprovalEvents } from '../approvals/audit-relay.js';
import { decideApproval, recordRefusedAttempt, type DecideVerb } from '../approvals/decide.js';
import type { Approval, ApprovalEvent, ApprovalStatus } from '../approvals/types.js';
import { WardenError, asWardenError } from '../core/errors.js';
import { requirePermission } from '../identity/admin-principal.js';
import { refusedOidcIdentity } from '../identity/admin-oidc.js';
import { principalGrants, type AdminPrincipal } from '../identity/admin-roles.js';
import type { Gateway } from '../runtime/gateway.js';
import { parseDuration } from './keys-api.js';
import { sendJson } from './respond.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function publicApproval(a: Approval, now: number) {
  return {
    id: a.id, status: a.status, expired: a.expires <= now, consumer: a.consumer, door: a.door, rule: a.rule, summary: a.summary, approvers: a.approvers,
    created_at: iso(a.created), expires_at: iso(a.expires), grant_ttl_ms: a.grantTtlMs,
    decided_at: iso(a.decidedAt), decided_by: a.decidedBy, decided_role: a.decidedRole, decided_via: a.decidedVia, note: a.note,
    requester_key: a.requesterKey, executed_at: iso(a.executedAt), executed_by: a.executedBy,
  };
}

const publicEvent = (e: ApprovalEvent) => ({ at: iso(e.at), actor: e.actor, role: e.role, via: e.via, action: e.action, outcome: e.outcome, code: e.code, reason: e.reason });

export function isDecideCall(method: string, id: string | undefined, action: string | undefined): action is DecideVerb {
  return method === 'POST' && id !== undefined && (action === 'approve' || action === 'deny');
}

/** An approve/deny call by a verified OIDC identity without an admin role: recorded under its name and audited. */
export async function auditUnauthenticatedDecide(gw: Gateway, id: string, verb: DecideVerb, e: unknown): Promise<void> {
  try {
    const oidc = refusedOidcIdentity(e);
    await recordRefusedAttempt(gw.approvals, { id, verb, now: Date.now() }, 'admin-api', asWardenError(e), oidc && { name: oidc.name, role: null });
  } catch (failure) {
    gw.log.error('recording a refused approval attempt failed', { error: (failure as Error).message });
  }
  await auditNow(gw);
}

async function auditNow(gw: Gateway): Promise<void> {
  try {
    await auditApprovalEvents(gw.approvals, gw.finish);
  } catch (e) {
    gw.log.error('approval audit failed', { error: (e as Error).message });
  }
}

function readAnswer(body: Record<string, unknown>): { note?: string; ttlMs?: number } {
  if (body.note !== undefined && typeof body.note !== 'string') throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'note: must be a string');
  if (body.ttl !== undefined && typeof body.ttl !== 'string') throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'ttl: must be a duration string like 8h');
  return { ...(body.note !== undefined ? { note: body.note as string } : {}), ...(body.ttl !== undefined ? { ttlMs: parseDuration(body.ttl as string, 'ttl') } : {}) };
}

const STATUSES: readonly string[] = ['pending', 'approved', 'denied', 'executed'];

export interface ApprovalsCall {
  method: string;
  url: URL;
  id: string | undefined;
  action: string | undefined;
  readJson: () => Promise<Record<string, unknown>>;
}

export async function approvalsApi(gw: Gateway, p: AdminPrincipal, call: ApprovalsCall, res: ServerResponse): Promise<void> {
  const { method, url, id, action } = call;
  const store = gw.approvals;
  const now = Date.now();
  if (isDecideCall(method, id, action)) {
    let outcome: { decided: Approval } | { error: unknown };
    try {
      let answer: { note?: string; ttlMs?: number } = {};
      // A caller whose role cannot decide is refused (in decideApproval) without its body being read.
      if (principalGrants(p, 'approvals.decide')) {
        try {
          answer = readAnswer(await call.readJson());
        } catch (e) {
          await recordRefusedAttempt(store, { id: id!, verb: action, now }, 'admin-api', asWardenError(e), p);
          throw e;
        }
      }
      outcome = { decided: await decideApproval(store, { id: id!, verb: action, by: p, ...answer, now }) };
    } catch (e) {
      outcome = { error: e };
    }
    // Audited before the answer is sent; an event the audit could not take stays for the next sweep (app.ts).
    await auditNow(gw);
    if ('error' in outcome) throw outcome.error;
    return sendJson(res, 200, { approval: publicApproval(outcome.decided, now) });
  }
  requirePermission(p, 'approvals.read');
  if (!id && method === 'GET') {
    const status = url.searchParams.get('status') ?? undefined;
    if (status !== undefined && !STATUSES.includes(status)) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'status: pending, approved, denied or executed');
    const all = url.searchParams.get('all') === 'true';
    const rows = await store.list({ status: (status ?? (all ? undefined : 'pending')) as ApprovalStatus | undefined, consumer: url.searchParams.get('consumer') ?? undefined, includeExpired: all, now });
    return sendJson(res, 200, { approvals: rows.map((a) => publicApproval(a, now)) });
  }
  if (id && !action && method === 'GET') {
    const a = await store.get(id);
    if (!a) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no approval ${id}`);
    return sendJson(res, 200, { ...publicApproval(a, now), events: (await store.events(id)).map(publicEvent) });
  }
  throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no admin resource for ${method} ${url.pathname}`);
}
