import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WardenError } from '../core/errors.js';
import { newExchange, type Gateway } from '../runtime/gateway.js';
import { assertNoWardenKey, stripKeyParams } from '../doors/shared/upstream-credentials.js';
import { CREDENTIAL_HEADERS } from '../identity/credential.js';
import type { Door } from '../doors/door.js';
import { DOORS } from '../doors/registry.js';
import { anthropicErrorBody } from '../doors/llm/render-error.js';
import type { RequestHandler } from './listen.js';

const MAX_URL = 8192;

/**
 * Which door answers a refusal made before dispatch: the one claiming the path, else the
 * fallback: the http door, whose routes may cover any path.
 */
function renderer(path: string): Door {
  const claimed = DOORS.find((d) => d.claims?.(path) && d.fail);
  return claimed ?? DOORS.find((d) => d.id === 'http')!;
}

/** The unmatched request is answered as the LLM door answers (Claude Code is the usual client on this port). */
const UNMATCHED: Door = DOORS.find((d) => d.id === 'llm')!;

function refuse(gw: Gateway, req: IncomingMessage, res: ServerResponse, door: Door, route: string, err: unknown): void {
  door.fail!(gw, res, newExchange(door.id, req, route), err, !req.complete);
}

/** The main listener: health probes, then each registered door's HTTP handler in turn, then 404. */
export function createMainHandler(gw: Gateway, isReady: () => boolean): RequestHandler {
  const ordered = [...DOORS.filter((d) => !d.catchAll), ...DOORS.filter((d) => d.catchAll)];
  const handlers = ordered.flatMap((d) => (d.http ? [d.http(gw)] : []));
  // Every door's request and response get a listener: an 'error' nobody listens to exits
  // the process and takes every door down (a late write after the client left, a reset).
  // The exchange itself is finished by the door (completion.ts), so this only logs.
  const onStreamError = (err: Error & { code?: string }) => gw.log.debug('client stream error', { code: err.code ?? err.name });
  return (req: IncomingMessage, res: ServerResponse) => {
    req.on('error', onStreamError);
    res.on('error', onStreamError);
    const url = req.url ?? '/';
    if (url.length > MAX_URL) {
      // Threat: over-long URIs as a memory and log amplifier. Rendered in the protocol of the door the path belongs to.
      const err = new WardenError('WARDEN_E_BAD_REQUEST', `request URI longer than ${MAX_URL} characters`);
      const door = renderer(url);
      door.fail!(gw, res, newExchange(door.id, req, '(long url)'), err, true);
      return;
    }
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q);
    if (path === '/healthz') return json(res, 200, '{"status":"ok"}');
    if (path === '/readyz') return isReady() ? json(res, 200, '{"status":"ready"}') : json(res, 503, '{"status":"starting"}');
    try {
      // Before any door reads the request: a Warden key outside the credential headers and
      // the credential query parameters (dropped at forward) would reach a policy server's
      // input and the upstream. Each door checks again what it finally sends.
      assertNoWardenKey(path + stripKeyParams(query), req.rawHeaders, CREDENTIAL_HEADERS);
    } catch (e) {
      refuse(gw, req, res, renderer(path), '(key in request)', e);
      return;
    }
    // Fixed-path doors first: their paths win over a broad http route such as `/*`.
    for (const h of handlers) if (h(req, res, path, query)) return;
    refuse(gw, req, res, UNMATCHED, '(unmatched)', new WardenError('WARDEN_E_NOT_FOUND', `no Warden door serves ${req.method} ${path.slice(0, 200)}`));
  };
}

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Requests node's parser refuses (malformed or oversized headers, CR/LF injection,
 * smuggling attempts) still get an Anthropic-shaped answer and an audit record.
 */
export function handleClientError(gw: Gateway, err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || (err.code === 'ECONNRESET')) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADERS_TIMEOUT';
  const werr = tooLarge
    ? new WardenError('WARDEN_E_HEADER_INVALID', 'request headers are too large', { status: 431 })
    : timeout
      ? new WardenError('WARDEN_E_CLIENT_TIMEOUT', 'request headers were not received in time (server.headers_timeout_ms)')
      : new WardenError('WARDEN_E_HEADER_INVALID', `malformed HTTP request (${err.code ?? 'parse error'}): check header names and values for control characters`);
  const fakeReq = { method: 'UNKNOWN', headers: {} } as IncomingMessage;
  const ex = newExchange('llm', fakeReq, '(unparsed)');
  ex.status = werr.status;
  ex.errorCode = werr.code;
  gw.finish(ex);
  const body = anthropicErrorBody(werr, ex.id);
  socket.end(
    `HTTP/1.1 ${werr.status} ${tooLarge ? 'Request Header Fields Too Large' : timeout ? 'Request Timeout' : 'Bad Request'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-should-retry: false\r\nx-warden-error-code: ${werr.code}\r\nconnection: close\r\n\r\n${body}`,
  );
}
