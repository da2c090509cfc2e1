/**
 * Every admin API call is an audit record (door `admin`): who called (the admin key's name,
 * or `oidc:<issuer>#<subject>`), their role, what they called and how it ended. Answers to
 * approvals have their own, richer records (src/approvals/audit-relay.ts) and are not
 * recorded twice. Never a key, a token or a body.
 */
import type { Exchange } from '../core/exchange.js';
import { requestId } from '../core/ids.js';
import type { AdminPrincipal } from '../identity/admin-roles.js';

export interface AdminCall {
  method: string;
  path: string;
  start: number;
  startHr: bigint;
  principal: AdminPrincipal | undefined;
  /** A verified OIDC identity refused for having no admin role (no principal then). */
  refused?: { name: string; issuer: string; subject: string } | undefined;
  status: number;
  errorCode: string | undefined;
}

/** The path is the caller's input: kept to this many characters in the record. */
const MAX_PATH = 256;

export function adminCallExchange(c: AdminCall): Exchange {
  const path = c.path.length > MAX_PATH ? `${c.path.slice(0, MAX_PATH)}…` : c.path;
  const who = c.principal?.name ?? c.refused?.name ?? 'unauthenticated';
  const as = c.principal
    ? ` as ${who} (role ${c.principal.role}${c.principal.oidc ? `, OIDC consumer name ${c.principal.oidc.consumer}` : ''})`
    : c.refused
      ? ` as ${who} (no admin role)`
      : ' without a valid admin credential';
  const ex: Exchange = {
    id: requestId(),
    door: 'admin',
    start: c.start,
    startHr: c.startHr,
    method: c.method,
    route: path,
    consumer: { name: who, groups: c.principal ? [...c.principal.groups] : [], labels: {}, models: [] },
    decision: { outcome: c.status < 400 ? 'allow' : 'deny', rule: 'admin:api', reason: `${c.method.slice(0, 16)} ${path}${as} via admin-api: HTTP ${c.status}` },
    status: c.status,
  };
  if (c.errorCode) ex.errorCode = c.errorCode;
  const oidc = c.principal?.oidc ?? c.refused;
  if (oidc) ex.principal = { issuer: oidc.issuer, subject: oidc.subject };
  return ex;
}
