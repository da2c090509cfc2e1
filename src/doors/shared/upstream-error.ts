import { WardenError } from '../../core/errors.js';

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
// Refused or reset before any answer: the catalogue's WARDEN_E_UPSTREAM_UNREACHABLE.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * Maps an undici failure to a catalogue error, for every door that forwards over undici.
 * `upstream` names the peer in the message (e.g. `provider "anthropic"`); `timeoutKey` is the
 * config key to change when it was too slow.
 */
export function upstreamError(err: Error & { code?: string }, upstream: string, timeoutKey: string): WardenError {
  if (err instanceof WardenError) return err;
  const code = err.code ?? '';
  if (TIMEOUTS.has(code)) return new WardenError('WARDEN_E_UPSTREAM_TIMEOUT', `${upstream} did not answer in time (${code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect' : 'read'} timeout; ${timeoutKey})`);
  if (UNREACHABLE.has(code)) return new WardenError('WARDEN_E_UPSTREAM_UNREACHABLE', `${upstream} is unreachable (${code})`);
  return new WardenError('WARDEN_E_UPSTREAM_BROKEN', `${upstream} closed the connection before the answer was complete`);
}
