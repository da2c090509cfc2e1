import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Exchange } from '../../core/exchange.js';
import { WardenError } from '../../core/errors.js';
import { downstreamResponseHeaders } from '../shared/headers.js';
import { exchangeCompletion, type Completion } from '../shared/completion.js';
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
  const call = new Forwarding(res, ex, fwd, finish);
  if (call.completion.finished) return;

  const headers = fwd.headers;
  headers.push(...provider.credential, 'accept-encoding', 'identity');
  if (fwd.body) headers.push('content-length', String(fwd.body.length));
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
    call,
  );
}

/** One forwarded exchange: its own dispatch handler (one object per request, no closures). */
class Forwarding implements Dispatcher.DispatchHandler {
  readonly upstreamStart = process.hrtime.bigint();
  readonly completion: Completion;
  controller: Dispatcher.DispatchController | undefined;
  sse: SseUsageScanner | undefined;
  jsonChunks: Buffer[] | undefined;
  jsonBytes = 0;
  streamGuard: SseResponseGuard | undefined;
  /** A guarded JSON answer: its headers wait for the guarded body (its length changes). */
  deferred: { status: number; headers: Record<string, string | string[]> } | undefined;

  constructor(
    readonly res: ServerResponse,
    readonly ex: Exchange,
    readonly fwd: ForwardRequest,
    readonly finish: Finish,
  ) {
    this.completion = exchangeCompletion(res, this);
  }

  /** The client went away first (exchangeCompletion). */
  clientGone(): void {
    const ex = this.ex;
    ex.clientAborted = true;
    this.controller?.abort(new Error('client closed the connection'));
    if (this.sse) {
      ex.usage = this.sse.usage;
      ex.tools = this.sse.tools;
    }
    ex.status ??= 499;
    this.finish(ex);
  }

  /** Backpressure: the upstream waits until the client has taken what was written. */
  private write(c: Dispatcher.DispatchController, buf: Buffer): void {
    if (!this.res.write(buf)) {
      c.pause();
      this.res.once('drain', () => c.resume());
    }
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    if (this.completion.finished) c.abort(new Error('client closed the connection'));
  }

  onResponseStart(c: Dispatcher.DispatchController, statusCode: number, upstreamHeaders: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return;
    const { ex, res } = this;
    ex.upstreamMs = Number(process.hrtime.bigint() - this.upstreamStart) / 1e6;
    ex.status = statusCode;
    // Media types are case-insensitive (RFC 9110 8.3.1): `Text/Event-Stream` is a stream too.
    const ctype = String(upstreamHeaders['content-type'] ?? '').trimStart().toLowerCase();
    // Error answers are the provider's own words about the request: they pass unguarded.
    // Every other 2xx is an answer the model produced (a proxy may turn 200 into 203).
    const guard = statusCode < 300 ? this.fwd.guard : undefined;
    if (ctype.startsWith('text/event-stream')) {
      this.sse = new SseUsageScanner();
      ex.stream = true;
      if (guard) {
        const streamGuard = (this.streamGuard = guard.stream());
        // Made in a local: a function literal written straight into a property is allocated
        // in the old generation by V8 and would keep this exchange alive (completion.ts).
        const onOutput = (buf: Buffer) => {
          if (this.completion.finished && !res.writable) return;
          this.write(c, buf);
        };
        streamGuard.onOutput = onOutput;
      }
    } else this.jsonChunks = [];
    const out = downstreamResponseHeaders(upstreamHeaders);
    out['x-warden-request-id'] = ex.id;
    if (this.jsonChunks && guard) {
      this.deferred = { status: statusCode, headers: out };
      return;
    }
    res.writeHead(statusCode, out);
    // Flush headers now so the SSE first byte is not delayed behind the first event.
    if (this.sse) res.flushHeaders();
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.completion.finished) return;
    const max = this.fwd.maxScanBytes;
    if (this.sse) {
      this.sse.push(chunk);
      if (this.streamGuard) {
        this.streamGuard.push(chunk);
        return;
      }
    } else if (this.deferred) {
      // Fail closed: an answer too large to guard is not passed on unguarded.
      if (this.jsonBytes + chunk.length > max) {
        c.abort(Object.assign(new Error(`the answer is larger than ${max} bytes, too large to guard`), { code: 'WARDEN_ANSWER_TOO_LARGE' }));
        return;
      }
      this.jsonChunks!.push(chunk);
      this.jsonBytes += chunk.length;
      return;
    } else if (this.jsonChunks && this.jsonBytes + chunk.length <= max) {
      this.jsonChunks.push(chunk);
      this.jsonBytes += chunk.length;
    }
    this.write(c, chunk);
  }

  onResponseEnd(): void {
    if (this.streamGuard || this.deferred) {
      void this.endGuarded();
      return;
    }
    if (!this.completion.claim()) return;
    const ex = this.ex;
    if (this.sse) {
      ex.usage = this.sse.usage;
      ex.tools = this.sse.tools;
    } else if (this.jsonChunks && ex.status !== undefined && ex.status < 300) {
      const scanned = scanJsonResponse(this.answerText());
      ex.usage = scanned.usage;
      ex.tools = scanned.tools;
    }
    this.finish(ex);
    this.res.end();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (!this.completion.claim()) return;
    const { ex, res } = this;
    const provider = this.fwd.provider;
    const e = err as Error & { code?: string };
    const werr =
      e.code === 'WARDEN_ANSWER_TOO_LARGE'
        ? new WardenError('WARDEN_E_ANSWER_TOO_LARGE', `provider "${provider.name}": ${e.message}`)
        : upstreamError(e, `provider "${provider.name}"`, `providers.${provider.name}.timeout_ms`);
    ex.errorCode = werr.code;
    if (!res.headersSent) {
      ex.status = werr.status;
      this.finish(ex);
      sendAnthropicError(res, werr, ex.id);
      return;
    }
    if (this.sse) {
      ex.usage = this.sse.usage;
      ex.tools = this.sse.tools;
      this.finish(ex);
      // Mid-stream failure: the API's own convention is an `error` event, then the end.
      res.end(sseErrorEvent(werr.entry.anthropic, `${werr.message} [${werr.code}, request ${ex.id}]`));
    } else {
      this.finish(ex);
      // A JSON body cannot be amended once started: cut the connection so the client sees it incomplete.
      res.destroy();
    }
  }

  /** The JSON answer kept for its usage (most arrive in one chunk: no copy then). */
  private answerText(): string {
    const chunks = this.jsonChunks!;
    return (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.jsonBytes)).toString('utf8');
  }

  /** The guarded answer ends once every held tool call is judged and the guard wrote what it held. */
  private async endGuarded(): Promise<void> {
    const { ex, res, streamGuard } = this;
    let body: Buffer | undefined;
    let failed: unknown;
    try {
      if (streamGuard) await streamGuard.end();
      else body = await this.fwd.guard!.json(Buffer.concat(this.jsonChunks!, this.jsonBytes));
    } catch (e) {
      failed = e;
    }
    if (!this.completion.claim()) return;
    if (this.sse) {
      ex.usage = this.sse.usage;
      ex.tools = this.sse.tools;
    } else {
      const scanned = scanJsonResponse(this.answerText());
      ex.usage = scanned.usage;
      ex.tools = scanned.tools;
    }
    if (failed !== undefined && !streamGuard) {
      // The judge or the redactor broke: fail closed, the unguarded answer is not sent.
      const werr = new WardenError('WARDEN_E_INTERNAL', 'the response guard failed; the answer was withheld');
      ex.status = werr.status;
      ex.errorCode = werr.code;
      this.finish(ex);
      sendAnthropicError(res, werr, ex.id);
      return;
    }
    this.finish(ex);
    if (streamGuard) {
      res.end();
      return;
    }
    const headers = this.deferred!.headers;
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body!.length);
    res.writeHead(this.deferred!.status, headers);
    res.end(body);
  }
}
