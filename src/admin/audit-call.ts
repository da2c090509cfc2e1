/**
 * Every admin API call is an audit record (door `admin`): who called (the admin key's name,
 * or `oidc:<issuer>#<subject>`), their role, what they called and how it ended. Answers to
 * approvals have their own, richer records (src/approvals/audit-relay.ts) and are not
 * recorded twice. Never a key, a token or a body.
 */
import type { ServerResponse } from 'node:http';
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

/**
 * Writes the call's audit record just before the response's last bytes go out, as the doors
 * do: a client holding its answer knows the call is on record. Written after `res.end`, the
 * record could be lost to a SIGKILL (or an OOM kill) landing between the two although the
 * client had its answer; under `warden start --workers N` a killed worker lost the record of
 * an admin call it had answered. Every admin answer ends through `res.end`, however it is
 * built, so this holds for every route. Returns the write, for a call that never answers;
 * the record is written once either way.
 */
export function writeRecordBeforeEnd(res: ServerResponse, write: () => void): () => void {
  let written = false;
  const once = () => {
    if (written) return;
    written = true;
    write();
  };
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    once();
    return end(...args);
  }) as typeof res.end;
  return once;
}
