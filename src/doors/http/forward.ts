/**
 * Forwarding to a route's upstream node: the request body is the buffered copy (the one the
 * policy read, when it reads one), the answer streams back chunk by chunk with backpressure
 * both ways, a client that goes away aborts the upstream request, and each outcome feeds
 * the node's passive health.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Exchange } from '../../core/exchange.js';
import { exchangeCompletion } from '../shared/completion.js';
import { upstreamError } from '../shared/upstream-error.js';
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
  /** The whole request body, received before forwarding (docs/http-door.md: why buffered). */
  body: Buffer | null;
}

// Statuses that say the node itself is in trouble (passive health), not the request.
const NODE_TROUBLE = new Set([502, 503, 504]);


export function forwardHttp(req: IncomingMessage, res: ServerResponse, ex: Exchange, fwd: HttpForward, finish: (ex: Exchange) => void): void {
  const { node, balancer } = fwd;
  const start = process.hrtime.bigint();
  let controller: Dispatcher.DispatchController | undefined;
  let judged = false;
  const judge = (ok: boolean) => {
    if (judged) return;
    judged = true;
    if (ok) node.succeeded();
    else node.failed(balancer.health.failures, balancer.health.cooldownMs, Date.now());
  };
  const completion = exchangeCompletion(res, () => {
    ex.clientAborted = true;
    controller?.abort(new Error('client closed the connection'));
    ex.status ??= 499;
    finish(ex);
  });
  if (completion.finished) return;
  ex.provider = node.address;

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (completion.finished) c.abort(new Error('client closed the connection'));
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
      if (completion.finished) return;
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    },
    onResponseEnd() {
      if (!completion.claim()) return;
      finish(ex);
      res.end();
    },
    onResponseError(_c, err) {
      if (!completion.claim()) return;
      const werr = upstreamError(err as Error & { code?: string }, `upstream ${node.address} of route "${fwd.routeId}"`, 'routes[].upstream.timeout');
      // A client that left is not the node's fault.
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
