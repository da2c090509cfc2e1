/**
 * Errors of the http door as HTTP JSON: `{"message", "code", "request_id"}`. `message` is
 * the APISIX field (key-auth, acl and opa refusals read as they do there).
 */
import type { ServerResponse } from 'node:http';
import { asWardenError } from '../../core/errors.js';
import type { Exchange } from '../../core/exchange.js';
import type { Gateway } from '../../runtime/gateway.js';
import { TOKEN_DENIALS } from '../../identity/credential.js';

/** Codes that are decisions (someone was refused), as opposed to faults. */
const DENIALS = new Set([
  'WARDEN_E_AUTH_MISSING', 'WARDEN_E_AUTH_INVALID', 'WARDEN_E_AUTH_EXPIRED', 'WARDEN_E_AUTH_REVOKED', 'WARDEN_E_AUTH_CONSUMER_UNKNOWN',
  'WARDEN_E_POLICY_DENIED', 'WARDEN_E_APPROVAL_REQUIRED', 'WARDEN_E_POLICY_UNAVAILABLE', 'WARDEN_E_POLICY_BAD_ANSWER',
  ...TOKEN_DENIALS,
]);

export function sendHttpError(res: ServerResponse, status: number, message: string, code: string, requestId: string, headers?: Record<string, string>, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ message, code, request_id: requestId });
  const h: Record<string, string | number> = { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-warden-request-id': requestId, 'x-warden-error-code': code };
  if (close) h.connection = 'close';
  res.writeHead(status, h);
  res.end(body);
}

/** Records the error on the exchange, finishes it (audit, metrics) and answers. */
export function failHttp(gw: Gateway, res: ServerResponse, ex: Exchange, e: unknown, close: boolean): void {
  const err = asWardenError(e);
  if (err.code === 'WARDEN_E_INTERNAL') gw.log.error('internal error', { request_id: ex.id, error: String((e as Error)?.stack ?? e) });
  ex.status = err.status;
  ex.errorCode = err.code;
  if (DENIALS.has(err.code) && !ex.decision) ex.decision = { outcome: 'deny', rule: err.rule ?? err.code, reason: err.message };
  gw.finish(ex);
  sendHttpError(res, err.status, err.message, err.code, ex.id, err.headers, close);
}
