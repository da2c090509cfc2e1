import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Exchange } from '../../core/exchange.js';
import { WardenError } from '../../core/errors.js';
import { downstreamResponseHeaders } from '../shared/headers.js';
import { exchangeCompletion } from '../shared/completion.js';
import { upstreamError } from '../shared/upstream-error.js';
import { assertNoWardenKey, stripKeyParamsFromTarget } from '../shared/upstream-credentials.js';
import type { AnthropicProvider } from './providers.js';
import { sendAnthropicError, sseErrorEvent } from './render-error.js';
import type { ResponseGuarding } from './response-guard.js';
import { SseUsageScanner, scanJsonResponse } from './usage.js';
import type { SseResponseGuard } from '../../guards/response/index.js';

export interface ForwardRequest {
  provider: AnthropicProvider;
  method: string;
  /** Path and query after the provider's base path, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: string[];
  body: Buffer | null;
  /** Cap on a non-streaming answer kept in memory to read its usage (and to guard it). */
  maxScanBytes: number;
  /** The response guard of this exchange; absent: the answer passes byte for byte. */
  guard?: ResponseGuarding;
}

/** Called exactly once, before the last byte reaches the client, so the audit record exists for every answered request. */
export type Finish = (ex: Exchange) => void;


/**
 * Forwards the original request bytes and streams the answer back chunk by chunk, with
 * backpressure both ways. SSE answers are passed through byte for byte while usage is read
 * on the side; a client that goes away aborts the upstream request. Throws
 * WARDEN_E_KEY_IN_FORWARD, sending nothing, when the client's URL or headers hold a Warden key.
 */
export function forward(res: ServerResponse, ex: Exchange, fwd: ForwardRequest, finish: Finish): void {
  const { provider } = fwd;
  // The client's Warden key never reaches the provider: checked before Warden's own
  // credential joins the headers (that one may be another Warden's key, by design).
  const path = stripKeyParamsFromTarget(fwd.path);
  assertNoWardenKey(path, fwd.headers);
  const upstreamStart = process.hrtime.bigint();
  let controller: Dispatcher.DispatchController | undefined;
  let sse: SseUsageScanner | undefined;
  let jsonChunks: Buffer[] | undefined;
  let jsonBytes = 0;
  let streamGuard: SseResponseGuard | undefined;
  /** A guarded JSON answer: its headers wait for the guarded body (its length changes). */
  let deferred: { status: number; headers: Record<string, string | string[]> } | undefined;
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
  if (completion.finished) return;

  const headers = fwd.headers;
  headers.push(...provider.credential, 'accept-encoding', 'identity');
  if (fwd.body) headers.push('content-length', String(fwd.body.length));

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (completion.finished) c.abort(new Error('client closed the connection'));
    },
    onResponseStart(c, statusCode, upstreamHeaders) {
      if (statusCode < 200) return;
      ex.upstreamMs = Number(process.hrtime.bigint() - upstreamStart) / 1e6;
      ex.status = statusCode;
      // Media types are case-insensitive (RFC 9110 8.3.1): `Text/Event-Stream` is a stream too.
      const ctype = String(upstreamHeaders['content-type'] ?? '').trimStart().toLowerCase();
      // Error answers are the provider's own words about the request: they pass unguarded.
      // Every other 2xx is an answer the model produced (a proxy may turn 200 into 203).
      const guard = statusCode < 300 ? fwd.guard : undefined;
      if (ctype.startsWith('text/event-stream')) {
        sse = new SseUsageScanner();
        ex.stream = true;
        if (guard) {
          streamGuard = guard.stream();
          streamGuard.onOutput = (buf) => {
            if (completion.finished && !res.writable) return;
            if (!res.write(buf)) {
              c.pause();
              res.once('drain', () => c.resume());
            }
          };
        }
      } else jsonChunks = [];
      const out = downstreamResponseHeaders(upstreamHeaders as Record<string, string | string[] | undefined>);
      out['x-warden-request-id'] = ex.id;
      if (jsonChunks && guard) {
        deferred = { status: statusCode, headers: out as Record<string, string | string[]> };
        return;
      }
      res.writeHead(statusCode, out);
      // Flush headers now so the SSE first byte is not delayed behind the first event.
      if (sse) res.flushHeaders();
    },
    onResponseData(c, chunk) {
      if (completion.finished) return;
      if (sse) {
        sse.push(chunk);
        if (streamGuard) {
          streamGuard.push(chunk);
          return;
        }
      } else if (deferred) {
        // Fail closed: an answer too large to guard is not passed on unguarded.
        if (jsonBytes + chunk.length > fwd.maxScanBytes) {
          c.abort(Object.assign(new Error(`the answer is larger than ${fwd.maxScanBytes} bytes, too large to guard`), { code: 'WARDEN_ANSWER_TOO_LARGE' }));
          return;
        }
        jsonChunks!.push(chunk);
        jsonBytes += chunk.length;
        return;
      } else if (jsonChunks && jsonBytes + chunk.length <= fwd.maxScanBytes) {
        jsonChunks.push(chunk);
        jsonBytes += chunk.length;
      }
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    },
    onResponseEnd() {
      if (streamGuard || deferred) {
        void endGuarded();
        return;
      }
      if (!completion.claim()) return;
      if (sse) {
        ex.usage = sse.usage;
        ex.tools = sse.tools;
      } else if (jsonChunks && ex.status !== undefined && ex.status < 300) {
        const scanned = scanJsonResponse(Buffer.concat(jsonChunks, jsonBytes).toString('utf8'));
        ex.usage = scanned.usage;
        ex.tools = scanned.tools;
      }
      finish(ex);
      res.end();
    },
    onResponseError(_c, err) {
      if (!completion.claim()) return;
      const e = err as Error & { code?: string };
      const werr =
        e.code === 'WARDEN_ANSWER_TOO_LARGE'
          ? new WardenError('WARDEN_E_ANSWER_TOO_LARGE', `provider "${provider.name}": ${e.message}`)
          : upstreamError(e, `provider "${provider.name}"`, `providers.${provider.name}.timeout_ms`);
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

  /** The guarded answer ends once every held tool call is judged and the guard wrote what it held. */
  async function endGuarded(): Promise<void> {
    let body: Buffer | undefined;
    let failed: unknown;
    try {
      if (streamGuard) await streamGuard.end();
      else body = await fwd.guard!.json(Buffer.concat(jsonChunks!, jsonBytes));
    } catch (e) {
      failed = e;
    }
    if (!completion.claim()) return;
    if (sse) {
      ex.usage = sse.usage;
      ex.tools = sse.tools;
    } else {
      const scanned = scanJsonResponse(Buffer.concat(jsonChunks!, jsonBytes).toString('utf8'));
      ex.usage = scanned.usage;
      ex.tools = scanned.tools;
    }
    if (failed !== undefined && !streamGuard) {
      // The judge or the redactor broke: fail closed, the unguarded answer is not sent.
      const werr = new WardenError('WARDEN_E_INTERNAL', 'the response guard failed; the answer was withheld');
      ex.status = werr.status;
      ex.errorCode = werr.code;
      finish(ex);
      sendAnthropicError(res, werr, ex.id);
      return;
    }
    finish(ex);
    if (streamGuard) {
      res.end();
      return;
    }
    const headers = deferred!.headers;
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body!.length);
    res.writeHead(deferred!.status, headers);
    res.end(body);
  }

  provider.pool.dispatch(
    {
      origin: undefined,
      method: fwd.method as Dispatcher.HttpMethod,
      path: provider.basePath + path,
      headers,
      body: fwd.body,
      headersTimeout: provider.timeoutMs,
      bodyTimeout: provider.timeoutMs,
    } as Dispatcher.DispatchOptions,
    handler,
  );
}
