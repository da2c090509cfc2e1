/** Errors of the MCP door: a JSON-RPC error body with the HTTP status the transport wants. */
import type { ServerResponse } from 'node:http';
import { asWardenError } from '../../core/errors.js';
import type { Exchange } from '../../core/exchange.js';
import type { Gateway } from '../../runtime/gateway.js';
import { TOKEN_DENIALS } from '../../identity/credential.js';
import { rpcError, toRpcError, type RpcId } from './rpc.js';

/** Codes that are decisions (someone was refused), as opposed to faults. */
const DENIALS = new Set([
  'WARDEN_E_AUTH_MISSING', 'WARDEN_E_AUTH_INVALID', 'WARDEN_E_AUTH_EXPIRED', 'WARDEN_E_AUTH_REVOKED', 'WARDEN_E_AUTH_CONSUMER_UNKNOWN',
  'WARDEN_E_POLICY_DENIED', 'WARDEN_E_APPROVAL_REQUIRED', 'WARDEN_E_GUARD_REJECTED', 'WARDEN_E_RATE_LIMITED', 'WARDEN_E_BUDGET_EXHAUSTED',
  ...TOKEN_DENIALS,
  'WARDEN_E_MCP_NO_GRANTS', 'WARDEN_E_MCP_NOT_GRANTED', 'WARDEN_E_MCP_ARGUMENT_REFUSED', 'WARDEN_E_MCP_NAME_DENIED', 'WARDEN_E_MCP_CREDENTIAL_MISSING', 'WARDEN_E_MCP_ORIGIN',
]);

/** Records the error on the exchange (audit, metrics) without answering. */
export function recordFailure(gw: Gateway, ex: Exchange, e: unknown): ReturnType<typeof asWardenError> {
  const err = asWardenError(e);
  if (err.code === 'WARDEN_E_INTERNAL') gw.log.error('internal error', { request_id: ex.id, error: String((e as Error)?.stack ?? e) });
  ex.errorCode = err.code;
  if (DENIALS.has(err.code) && (!ex.decision || ex.decision.outcome === 'allow')) ex.decision = { outcome: 'deny', rule: err.rule ?? err.code, reason: err.message };
  return err;
}

/**
 * An error answered at the HTTP level: transport problems (400, 401, 403, 404, 405, 406)
 * get their status; refusals of a JSON-RPC request are answered 200 with the error (the
 * request itself was well-formed), as MCP clients expect.
 */
export function sendRpcFailure(gw: Gateway, res: ServerResponse, ex: Exchange, e: unknown, id: RpcId | null | undefined, httpLevel: boolean, headers: Record<string, string> = {}, close = false): void {
  const err = recordFailure(gw, ex, e);
  const status = httpLevel ? err.status : 200;
  ex.status = status;
  gw.finish(ex);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = rpcError(id, toRpcError(err, ex.id));
  const h: Record<string, string | number> = { ...err.headers, ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-warden-request-id': ex.id, 'x-warden-error-code': err.code };
  if (close) h.connection = 'close';
  res.writeHead(status, h);
  res.end(body);
}

/** The door's renderer for refusals made before dispatch (an over-long URI, a key in the URL). */
export function failMcp(gw: Gateway, res: ServerResponse, ex: Exchange, e: unknown, close: boolean): void {
  sendRpcFailure(gw, res, ex, e, null, true, {}, close);
}
