/**
 * The Streamable HTTP transport (MCP 2025-03-26 and later), client side, on undici: one POST
 * per message, the answer as JSON or as an event stream that carries the request's
 * notifications and ends with its response; a GET event stream for what the server sends on
 * its own; DELETE to end the session. Written here rather than taken from the SDK because
 * the SDK's transport (fetch and web streams) cost about a millisecond per call, cannot tell
 * which request a notification on a POST stream belongs to, and leaves a request waiting
 * when its stream ends without an answer.
 */
import { Agent, type Dispatcher } from 'undici';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { WardenError } from '../../../core/errors.js';
import type { Wire } from './rpc-connection.js';
import { Cancellation } from './cancellation.js';
import { readSse } from './sse-reader.js';

/** A non-2xx answer, or (status -1) a content type that is neither JSON nor an event stream. */
export class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(status === -1 ? 'unexpected content type' : `HTTP ${status}`);
  }
}

export interface StreamableHttpOptions {
  server: string;
  url: URL;
  headers: Record<string, string>;
  maxBytes: number;
  /** Longest wait for answer headers. */
  headersTimeoutMs: number;
  dispatcher: Dispatcher;
  /** One message past maxBytes: the connection cannot be trusted to answer in order any more. */
  onOversize(e: WardenError): void;
}

const GET_RETRIES = 3;

export function createMcpAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 10_000 } });
}

export class StreamableHttpWire implements Wire {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage, related?: number) => void) | undefined;
  onrequesterror?: ((id: number, error: WardenError) => void) | undefined;

  sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private readonly inFlight = new Map<number, Cancellation>();
  /** Aborts the GET stream on close. */
  private readonly closer = new AbortController();
  /**
   * Every POST whose answer is still being read, aborted on close. Not AbortSignal.any with
   * `closer`: on Node 20 each composite signal stays referenced from `closer` through a
   * WeakRef, which the young-generation GC treats as strong, so every call's request state
   * survived into the old generation; nor an AbortController per POST (see cancellation.ts).
   */
  private readonly live = new Set<Cancellation>();
  private getFailures = 0;
  private closed = false;

  constructor(private readonly o: StreamableHttpOptions) {}

  async start(): Promise<void> {}

  setProtocolVersion(v: string): void {
    this.protocolVersion = v;
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return {
      ...this.o.headers,
      ...extra,
      ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}),
      ...(this.protocolVersion ? { 'mcp-protocol-version': this.protocolVersion } : {}),
    };
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `the connection to MCP server "${this.o.server}" is closed`);
    const msg = message as { id?: unknown; method?: string; params?: { requestId?: unknown } };
    const id = typeof msg.id === 'number' && msg.method !== undefined ? msg.id : undefined;
    // A cancellation ends, at once, the stream that would have carried the answer.
    if (msg.method === 'notifications/cancelled' && typeof msg.params?.requestId === 'number') this.abortRequest(msg.params.requestId);
    const ac = new Cancellation();
    if (id !== undefined) this.inFlight.set(id, ac);
    this.live.add(ac);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.o.dispatcher.request({
        origin: this.o.url.origin,
        path: this.o.url.pathname + this.o.url.search,
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }),
        body: JSON.stringify(message),
        signal: ac.asUndiciSignal(),
        headersTimeout: this.o.headersTimeoutMs,
        bodyTimeout: 0,
      });
    } catch (e) {
      if (id !== undefined) this.inFlight.delete(id);
      this.live.delete(ac);
      throw this.timeoutOr(e);
    }
    // Every stream gets an error handler: destroying an unread body emits one.
    res.body.on('error', () => undefined);
    res.body.once('close', () => this.live.delete(ac));
    const sid = res.headers['mcp-session-id'];
    if (typeof sid === 'string' && sid !== '') this.sessionId = sid;
    const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    try {
      // 202 is for notifications and responses; to a request it would leave the call waiting.
      if (res.statusCode === 202 && id !== undefined) {
        res.body.destroy();
        throw new SyntaxError('202 Accepted to a request');
      }
      if (res.statusCode === 202 || (res.statusCode >= 200 && res.statusCode < 300 && id === undefined)) {
        res.body.resume();
        if (msg.method === 'notifications/initialized') this.openGetStream();
        return;
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        res.body.destroy();
        throw new HttpStatusError(res.statusCode);
      }
      if (type === 'application/json') return this.deliverJson(await this.readBounded(res.body), id);
      if (type !== 'text/event-stream') {
        res.body.destroy();
        throw new HttpStatusError(-1);
      }
    } catch (e) {
      if (id !== undefined) this.inFlight.delete(id);
      throw e;
    }
    this.readStream(res.body, id);
  }

  private readStream(body: Dispatcher.ResponseData['body'], id: number | undefined): void {
    let answered = false;
    readSse(body, this.o.maxBytes, {
      onData: (d) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(d);
        } catch {
          if (id !== undefined) this.onrequesterror?.(id, new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${this.o.server}" sent an event that is not JSON-RPC`));
          body.destroy();
          return;
        }
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
          if (id !== undefined && isResponseTo(m, id)) answered = true;
          this.onmessage?.(m as JSONRPCMessage, id);
        }
      },
      onTooLarge: () => this.o.onOversize(this.tooLarge()),
      onEnd: () => {
        if (id === undefined) return;
        this.inFlight.delete(id);
        if (!answered && !this.closed) this.onrequesterror?.(id, new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${this.o.server}" ended the event stream before answering`));
      },
    });
  }

  private deliverJson(text: string, id: number | undefined): void {
    if (id !== undefined) this.inFlight.delete(id);
    const parsed: unknown = JSON.parse(text); // SyntaxError: classified as not JSON-RPC
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (typeof m !== 'object' || m === null || (m as { jsonrpc?: unknown }).jsonrpc !== '2.0') throw new SyntaxError('not a JSON-RPC 2.0 message');
      this.onmessage?.(m as JSONRPCMessage, id);
    }
  }

  private async readBounded(body: Dispatcher.ResponseData['body']): Promise<string> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of body) {
      n += (c as Buffer).length;
      if (n > this.o.maxBytes) {
        body.destroy();
        const e = this.tooLarge();
        this.o.onOversize(e);
        throw e;
      }
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The server's own channel (list_changed, resources/updated); 405 means it has none. */
  private openGetStream(): void {
    if (this.closed) return;
    this.o.dispatcher
      .request({ origin: this.o.url.origin, path: this.o.url.pathname + this.o.url.search, method: 'GET', headers: this.headers({ accept: 'text/event-stream' }), signal: this.closer.signal, headersTimeout: this.o.headersTimeoutMs, bodyTimeout: 0 })
      .then((res) => {
        res.body.on('error', () => undefined);
        if (res.statusCode !== 200) return void res.body.destroy();
        this.getFailures = 0;
        readSse(res.body, this.o.maxBytes, {
          onData: (d) => {
            try {
              this.onmessage?.(JSON.parse(d) as JSONRPCMessage);
            } catch {
              res.body.destroy();
            }
          },
          onTooLarge: () => this.o.onOversize(this.tooLarge()),
          onEnd: () => this.retryGet(),
        });
      })
      .catch(() => this.retryGet());
  }

  private retryGet(): void {
    if (this.closed || ++this.getFailures > GET_RETRIES) return;
    setTimeout(() => this.openGetStream(), 1000 * this.getFailures).unref();
  }

  private abortRequest(id: number): void {
    this.inFlight.get(id)?.abort();
    this.inFlight.delete(id);
  }

  async terminateSession(timeoutMs: number): Promise<void> {
    if (!this.sessionId || this.closed) return;
    try {
      const res = await this.o.dispatcher.request({ origin: this.o.url.origin, path: this.o.url.pathname + this.o.url.search, method: 'DELETE', headers: this.headers({}), headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
      res.body.on('error', () => undefined);
      res.body.resume();
    } catch {
      // The server may be gone already; the session ends on Warden's side regardless.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closer.abort();
    for (const ac of this.live) ac.abort();
    this.live.clear();
    this.inFlight.clear();
    this.onclose?.();
  }

  private tooLarge(): WardenError {
    return new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${this.o.server}" sent a message larger than ${this.o.maxBytes} bytes (mcp.servers.${this.o.server}.max_message_bytes)`);
  }

  private timeoutOr(e: unknown): unknown {
    const code = (e as { code?: unknown })?.code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT') return new WardenError('WARDEN_E_MCP_UPSTREAM_TIMEOUT', `MCP server "${this.o.server}" sent no answer headers within ${this.o.headersTimeoutMs} ms (mcp.servers.${this.o.server}.timeouts)`);
    return e;
  }
}

function isResponseTo(m: unknown, id: number): boolean {
  return typeof m === 'object' && m !== null && (m as { id?: unknown }).id === id && !('method' in m);
}
