/**
 * Forwarding to a route's upstream node: the request body streams (or is the buffered copy
 * the policy read), the answer streams back chunk by chunk with backpressure both ways, a
 * client that goes away aborts the upstream request, and each outcome feeds the node's
 * passive health.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { WardenError } from '../../core/errors.js';
import type { Exchange } from '../../core/exchange.js';
import { downstreamResponseHeaders } from '../shared/headers.js';
import { sendHttpError } from './render.js';
import type { Balancer, UpstreamNode } from './upstream.js';

export interface HttpForward {
  node: UpstreamNode;
  balancer: Balancer;
  routeId: string;
  method: string;
  /** Normalised path plus query. */
  path: string;
  headers: string[];
  body: Buffer | Readable | null;
}

// Statuses that say the node itself is in trouble (passive health), not the request.
const NODE_TROUBLE = new Set([502, 503, 504]);

function upstreamError(err: Error & { code?: string }, routeId: string, node: string): WardenError {
  const code = err.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new WardenError('WARDEN_E_UPSTREAM_TIMEOUT', `upstream ${node} of route "${routeId}" did not answer in time (routes[].upstream.timeout)`);
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET') {
    return new WardenError('WARDEN_E_UPSTREAM_UNREACHABLE', `upstream ${node} of route "${routeId}" is unreachable (${code})`);
  }
  if (err instanceof WardenError) return err;
  return new WardenError('WARDEN_E_UPSTREAM_BROKEN', `upstream ${node} of route "${routeId}" closed the connection before the answer was complete`);
}

export function forwardHttp(req: IncomingMessage, res: ServerResponse, ex: Exchange, fwd: HttpForward, finish: (ex: Exchange) => void): void {
  const { node, balancer } = fwd;
  const start = process.hrtime.bigint();
  let controller: Dispatcher.DispatchController | undefined;
  let finished = false;
  let judged = false;
  const judge = (ok: boolean) => {
    if (judged) return;
    judged = true;
    if (ok) node.succeeded();
    else node.failed(balancer.health.failures, balancer.health.cooldownMs, Date.now());
  };
  const done = () => {
    if (finished) return false;
    finished = true;
    res.off('close', onClientClose);
    return true;
  };
  const onClientClose = () => {
    if (finished || res.writableFinished) return;
    ex.clientAborted = true;
    controller?.abort(new Error('client closed the connection'));
    if (done()) {
      ex.status ??= 499;
      finish(ex);
    }
  };
  res.on('close', onClientClose);
  ex.provider = node.address;

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (finished) c.abort(new Error('client closed the connection'));
    },
    onResponseStart(_c, statusCode, headers) {
      if (statusCode < 200) return;
      judge(!NODE_TROUBLE.has(statusCode));
      ex.upstreamMs = Number(process.hrtime.bigint() - start) / 1e6;
      ex.status = statusCode;
      const out = downstreamResponseHeaders(headers as Record<string, string | string[] | undefined>);
      out['x-warden-request-id'] = ex.id;
      res.writeHead(statusCode, out);
      // Streams (SSE, long polls) must not wait for the first chunk behind buffered headers.
      res.flushHeaders();
    },
    onResponseData(c, chunk) {
      if (finished) return;
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    },
    onResponseEnd() {
      if (!done()) return;
      finish(ex);
      res.end();
    },
    onResponseError(_c, err) {
      if (!done()) return;
      const werr = upstreamError(err as Error & { code?: string }, fwd.routeId, node.address);
      // A client aborting its upload is not the node's fault.
      if (!req.destroyed || res.headersSent) judge(false);
      ex.errorCode = werr.code;
      if (!res.headersSent) {
        ex.status = werr.status;
        finish(ex);
        sendHttpError(res, werr.status, werr.message, werr.code, ex.id, undefined, !req.complete);
        return;
      }
      finish(ex);
      // The answer cannot be amended once started: cut it so the client sees it incomplete.
      res.destroy();
    },
  };

  node.pool.dispatch(
    { origin: undefined, method: fwd.method as Dispatcher.HttpMethod, path: fwd.path, headers: fwd.headers, body: fwd.body } as unknown as Dispatcher.DispatchOptions,
    handler,
  );
}
