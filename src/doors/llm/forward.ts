import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Exchange } from '../../core/exchange.js';
import { downstreamResponseHeaders } from '../shared/headers.js';
import { exchangeCompletion } from '../shared/completion.js';
import { upstreamError } from '../shared/upstream-error.js';
import type { AnthropicProvider } from './providers.js';
import { sendAnthropicError, sseErrorEvent } from './render-error.js';
import { SseUsageScanner, scanJsonResponse } from './usage.js';

export interface ForwardRequest {
  provider: AnthropicProvider;
  method: string;
  /** Path and query after the provider's base path, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: string[];
  body: Buffer | null;
  /** Cap on a non-streaming answer kept in memory to read its usage. */
  maxScanBytes: number;
}

/** Called exactly once, before the last byte reaches the client, so the audit record exists for every answered request. */
export type Finish = (ex: Exchange) => void;


/**
 * Forwards the original request bytes and streams the answer back chunk by chunk, with
 * backpressure both ways. SSE answers are passed through byte for byte while usage is read
 * on the side; a client that goes away aborts the upstream request.
 */
export function forward(res: ServerResponse, ex: Exchange, fwd: ForwardRequest, finish: Finish): void {
  const { provider } = fwd;
  const upstreamStart = process.hrtime.bigint();
  let controller: Dispatcher.DispatchController | undefined;
  let sse: SseUsageScanner | undefined;
  let jsonChunks: Buffer[] | undefined;
  let jsonBytes = 0;
  const completion = exchangeCompletion(res, () => {
    ex.clientAborted = true;
    controller?.abort(new Error('client closed the connection'));
    if (sse) {
      ex.usage = sse.usage;
      ex.tools = sse.tools;
    }
    ex.status ??= 499;
    finish(ex);
  });

  const headers = fwd.headers;
  headers.push(...provider.credential, 'accept-encoding', 'identity');
  if (fwd.body) headers.push('content-length', String(fwd.body.length));

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (completion.finished) c.abort(new Error('client closed the connection'));
    },
    onResponseStart(_c, statusCode, upstreamHeaders) {
      if (statusCode < 200) return;
      ex.upstreamMs = Number(process.hrtime.bigint() - upstreamStart) / 1e6;
      ex.status = statusCode;
      const ctype = String(upstreamHeaders['content-type'] ?? '');
      if (ctype.startsWith('text/event-stream')) {
        sse = new SseUsageScanner();
        ex.stream = true;
      } else jsonChunks = [];
      const out = downstreamResponseHeaders(upstreamHeaders as Record<string, string | string[] | undefined>);
      out['x-warden-request-id'] = ex.id;
      res.writeHead(statusCode, out);
      // Flush headers now so the SSE first byte is not delayed behind the first event.
      if (sse) res.flushHeaders();
    },
    onResponseData(c, chunk) {
      if (completion.finished) return;
      if (sse) sse.push(chunk);
      else if (jsonChunks && jsonBytes + chunk.length <= fwd.maxScanBytes) {
        jsonChunks.push(chunk);
        jsonBytes += chunk.length;
      }
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    },
    onResponseEnd() {
      if (!completion.claim()) return;
      if (sse) {
        ex.usage = sse.usage;
        ex.tools = sse.tools;
      } else if (jsonChunks && ex.status === 200) {
        const scanned = scanJsonResponse(Buffer.concat(jsonChunks, jsonBytes).toString('utf8'));
        ex.usage = scanned.usage;
        ex.tools = scanned.tools;
      }
      finish(ex);
      res.end();
    },
    onResponseError(_c, err) {
      if (!completion.claim()) return;
      const werr = upstreamError(err as Error & { code?: string }, `provider "${provider.name}"`, `providers.${provider.name}.timeout_ms`);
      ex.errorCode = werr.code;
      if (!res.headersSent) {
        ex.status = werr.status;
        finish(ex);
        sendAnthropicError(res, werr, ex.id);
        return;
      }
      if (sse) {
        ex.usage = sse.usage;
        ex.tools = sse.tools;
        finish(ex);
        // Mid-stream failure: the API's own convention is an `error` event, then the end.
        res.end(sseErrorEvent(werr.entry.anthropic, `${werr.message} [${werr.code}, request ${ex.id}]`));
      } else {
        finish(ex);
        // A JSON body cannot be amended once started: cut the connection so the client sees it incomplete.
        res.destroy();
      }
    },
  };

  provider.pool.dispatch(
    {
      origin: undefined,
      method: fwd.method as Dispatcher.HttpMethod,
      path: provider.basePath + fwd.path,
      headers,
      body: fwd.body,
      headersTimeout: provider.timeoutMs,
      bodyTimeout: provider.timeoutMs,
    } as Dispatcher.DispatchOptions,
    handler,
  );
}
