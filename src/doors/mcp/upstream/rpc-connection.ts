/**
 * JSON-RPC over one upstream transport, with Warden's own request ids and progress tokens:
 * the ids and tokens clients chose never reach the server, so two clients multiplexed on one
 * connection cannot collide or steer each other's progress (MCP.md: remap per upstream).
 * Server→client requests are not relayed: Warden declares no sampling, elicitation or roots
 * capability upstream, so anything but `ping` is answered with -32601.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { WardenError } from '../../../core/errors.js';
import type { Logger } from '../../../telemetry/log.js';
import type { CancelSignal } from './cancellation.js';
import { JsonRpcErrorFromUpstream } from './rpc-error.js';
import type { JsonRpcNotification } from './types.js';

/** The part of the SDK's Transport this uses (stdio here, Streamable HTTP and SSE from the SDK). */
export interface Wire {
  start(): Promise<void>;
  send(message: JSONRPCMessage): Promise<void>;
  close(): Promise<void>;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  /** `related`: the id of the request whose answer stream carried the message, when known. */
  onmessage?: ((message: JSONRPCMessage, related?: number) => void) | undefined;
  /** One request's answer cannot come any more (its stream ended or carried garbage). */
  onrequesterror?: ((id: number, error: WardenError) => void) | undefined;
  /** Why the wire closed, when it knows better than "closed" (a stdio process killed for garbage). */
  failure?: WardenError | undefined;
}

export interface CallOptions {
  signal?: CancelSignal | undefined;
  timeoutMs: number;
  onNotification?: ((n: JsonRpcNotification) => void) | undefined;
}

interface Pending {
  method: string;
  resolve(result: Record<string, unknown>): void;
  reject(e: unknown): void;
  clientToken: unknown;
  onNotification: ((n: JsonRpcNotification) => void) | undefined;
}

export interface ConnectionHooks {
  server: string;
  log: Logger;
  /** Notifications accepted per second; the rest are dropped (a flood of valid messages is still a flood). */
  maxNotificationsPerSecond: number;
  /** Turns a transport's send failure into the error the request rejects with. */
  sendError(e: unknown, method: string): WardenError;
  /** Notifications not tied to one request (list_changed, resources/updated, stray logs). */
  onServerNotification(n: JsonRpcNotification): void;
  /**
   * Whether a log line that came outside any answer stream may be given to the one request in
   * flight. Not on a connection several identities share: the line may come from another's
   * earlier call (a server logging after it answered). Default: yes.
   */
  mayAttributeStrayLogs?(): boolean;
  /** The connection is gone; every pending request was rejected with `reason`. */
  onClosed(reason: WardenError): void;
}

const MAX_ERROR_MESSAGE = 2000;

export class RpcConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedWith: WardenError | undefined;
  private retiredWith: WardenError | undefined;
  private windowStart = 0;
  private inWindow = 0;
  private dropped = 0;

  constructor(
    private readonly wire: Wire,
    private readonly hooks: ConnectionHooks,
  ) {
    wire.onmessage = (m, related) => this.receive(m, related);
    wire.onrequesterror = (id, e) => this.pending.get(id)?.reject(e);
    wire.onclose = () => this.fail(wire.failure ?? new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${hooks.server}" closed the connection`));
    wire.onerror = (e) => hooks.log.debug('mcp upstream transport error', { server: hooks.server, error: String(e?.message ?? e).slice(0, 300) });
  }

  get closed(): WardenError | undefined {
    return this.closedWith;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  async start(): Promise<void> {
    await this.wire.start();
  }

  request(method: string, params: Record<string, unknown> | undefined, opts: CallOptions): Promise<Record<string, unknown>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.retiredWith) return Promise.reject(this.retiredWith);
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    const id = this.nextId++;
    const meta = params?._meta as Record<string, unknown> | undefined;
    const clientToken = meta && typeof meta === 'object' ? meta.progressToken : undefined;
    // The upstream sees Warden's token (the upstream id), never the client's.
    const sent = clientToken === undefined ? params : { ...params, _meta: { ...meta, progressToken: id } };
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        this.pending.delete(id);
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (this.retiredWith && this.pending.size === 0) queueMicrotask(() => this.fail(this.retiredWith!));
      };
      const cancel = (reason: string) => {
        if (!this.pending.has(id)) return;
        done();
        this.sendQuietly({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
      };
      const onAbort = () => {
        cancel('the client cancelled the request');
        reject(opts.signal?.reason);
      };
      timer = setTimeout(() => {
        cancel('timed out in Warden');
        reject(new WardenError('WARDEN_E_MCP_UPSTREAM_TIMEOUT', `MCP server "${this.hooks.server}" did not answer ${method} within ${opts.timeoutMs} ms (mcp.servers.${this.hooks.server}.timeouts)`));
      }, opts.timeoutMs);
      timer.unref();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        clientToken,
        onNotification: opts.onNotification,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      const msg = { jsonrpc: '2.0', id, method, ...(sent === undefined ? {} : { params: sent }) } as JSONRPCMessage;
      this.wire.send(msg).catch((e: unknown) => this.pending.get(id)?.reject(this.hooks.sendError(e, method)));
    });
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.closedWith) throw this.closedWith;
    try {
      await this.wire.send({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) } as JSONRPCMessage);
    } catch (e) {
      throw this.hooks.sendError(e, method);
    }
  }

  /**
   * Takes no new requests but lets those in flight finish, then closes: after a re-initialize,
   * a call still streaming its answer on the old session must not be cut off and run again.
   */
  retire(reason: WardenError): void {
    if (this.closedWith || this.retiredWith) return;
    this.retiredWith = reason;
    if (this.pending.size === 0) this.fail(reason);
  }

  /** Rejects everything pending and closes the transport. Idempotent. */
  fail(reason: WardenError): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const p of [...this.pending.values()]) p.reject(reason);
    this.pending.clear();
    this.wire.onclose = undefined;
    this.wire.close().catch(() => undefined);
    this.hooks.onClosed(reason);
  }

  private sendQuietly(msg: Record<string, unknown>): void {
    if (this.closedWith) return;
    this.wire.send(msg as JSONRPCMessage).catch(() => undefined);
  }

  private receive(m: JSONRPCMessage, related?: number): void {
    const msg = m as Record<string, unknown>;
    if (typeof msg.method === 'string') {
      if ('id' in msg && msg.id !== undefined) return this.answerServerRequest(msg.id, msg.method);
      return this.route({ method: msg.method, ...(isObject(msg.params) ? { params: msg.params } : {}) }, related);
    }
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p) return this.hooks.log.debug('mcp upstream answered an unknown request id', { server: this.hooks.server });
    if (isObject(msg.error)) {
      const err = msg.error;
      const code = Number.isInteger(err.code) ? (err.code as number) : -32603;
      const text = typeof err.message === 'string' ? err.message.slice(0, MAX_ERROR_MESSAGE) : 'error without a message';
      return p.reject(new JsonRpcErrorFromUpstream(this.hooks.server, code, text, err.data));
    }
    if (!isObject(msg.result)) return p.reject(new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${this.hooks.server}" answered ${p.method} with a result that is not an object`));
    p.resolve(msg.result);
  }

  private answerServerRequest(id: unknown, method: string): void {
    if (method === 'ping') return this.sendQuietly({ jsonrpc: '2.0', id, result: {} });
    this.hooks.log.info('mcp upstream sent a request Warden does not relay', { server: this.hooks.server, method: method.slice(0, 100) });
    this.sendQuietly({ jsonrpc: '2.0', id, error: { code: -32601, message: `Warden does not relay ${method.slice(0, 100)} to clients (no sampling, elicitation or roots capability was declared)` } });
  }

  /** false when the notification is over this second's budget. */
  private admit(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) this.hooks.log.warn('mcp upstream notifications dropped', { server: this.hooks.server, dropped: this.dropped, limit_per_second: this.hooks.maxNotificationsPerSecond });
      this.windowStart = now;
      this.inWindow = 0;
      this.dropped = 0;
    }
    if (++this.inWindow <= this.hooks.maxNotificationsPerSecond) return true;
    this.dropped++;
    return false;
  }

  private route(n: JsonRpcNotification, related: number | undefined): void {
    if (!this.admit()) return;
    if (n.method === 'notifications/progress') {
      const p = typeof n.params?.progressToken === 'number' ? this.pending.get(n.params.progressToken) : undefined;
      if (p?.onNotification && p.clientToken !== undefined) p.onNotification({ method: n.method, params: { ...n.params, progressToken: p.clientToken } });
      return;
    }
    if (n.method === 'notifications/cancelled') return;
    // On the answer stream of a request (Streamable HTTP), a log line is that request's.
    const owner = related === undefined ? undefined : this.pending.get(related);
    if (n.method === 'notifications/message' && owner?.onNotification) return owner.onNotification(n);
    // A log line belongs to a request only when it is the one request in flight on a
    // connection one identity uses: never hand one caller's log to another.
    if (n.method === 'notifications/message' && this.pending.size === 1 && this.hooks.mayAttributeStrayLogs?.() !== false) {
      const only = this.pending.values().next().value as Pending;
      if (only.onNotification) return only.onNotification(n);
    }
    this.hooks.onServerNotification(n);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
