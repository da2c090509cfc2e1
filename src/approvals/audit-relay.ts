/**
 * Approval events reach the audit log here: each becomes one audit record (door `admin`,
 * consumer = the approver's name, rule `approval:<id>`). The CLI cannot append to the log
 * while the server holds it, so the server claims the events — its own and the CLI's — and
 * writes them; `claimUnaudited` makes each event audited once even with several processes.
 */
import { CATALOGUE, type ErrorCode } from '../core/errors.js';
import type { Exchange } from '../core/exchange.js';
import { requestId } from '../core/ids.js';
import { parseOidcPrincipalName } from '../identity/admin-oidc.js';
import type { ApprovalEvent, ApprovalStore } from './types.js';

const BATCH = 100;

export function eventToExchange(e: ApprovalEvent): Exchange {
  const refused = e.outcome === 'refused';
  const code = e.code && e.code in CATALOGUE ? (e.code as ErrorCode) : undefined;
  const ex: Exchange = {
    id: requestId(),
    door: 'admin',
    start: e.at,
    startHr: process.hrtime.bigint(),
    method: e.via === 'cli' ? 'CLI' : e.via === 'door' ? 'EXECUTE' : 'POST',
    route: `/admin/approvals/${e.approval}/${e.action}`,
    consumer: { name: e.actor, groups: [], labels: {}, models: [] },
    decision: { outcome: refused ? 'deny' : 'allow', rule: `approval:${e.approval}`, reason: `${e.reason} [at ${new Date(e.at).toISOString()} via ${e.via}]` },
    status: refused ? (code ? CATALOGUE[code].status : 403) : 200,
  };
  if (e.code) ex.errorCode = e.code;
  const oidc = parseOidcPrincipalName(e.actor);
  if (oidc) ex.principal = oidc;
  return ex;
}

/** Writes every approval event not yet audited; returns how many. */
export async function auditApprovalEvents(store: ApprovalStore, finish: (ex: Exchange) => void): Promise<number> {
  let n = 0;
  for (;;) {
    const batch = await store.claimUnaudited(BATCH);
    for (const e of batch) finish(eventToExchange(e));
    n += batch.length;
    if (batch.length < BATCH) return n;
  }
}
