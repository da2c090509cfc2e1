/**
 * One door session's view of an upstream server: requests through the ceiling, results
 * filtered by it, notifications for this session only, and one `lost` event. The link
 * supplies the connection; an HTTP link can re-initialize once after the server forgot
 * the session (MCP.md: re-initialize or end with 404, never half alive — agentgateway #3622).
 */
import { WardenError, isWardenError } from '../../../core/errors.js';
import type { McpServerConfig } from '../config.js';
import { checkCall, filterList } from './ceiling.js';
import type { InitializeResult } from './initialize.js';
import type { RpcConnection } from './rpc-connection.js';
import type { JsonRpcNotification, McpTransportKind, RequestOptions, UpstreamSession } from './types.js';

export interface SessionLink {
  conn: RpcConnection;
  info: InitializeResult;
  /** A fresh upstream session after the server answered 404; absent where that cannot happen. */
  reinitialize?(): Promise<void>;
  close(): Promise<void>;
}

/** Client notifications that mean nothing upstream: Warden initialized the session itself, remapped ids, declared no roots. */
const NOT_RELAYED = new Set(['notifications/initialized', 'notifications/cancelled', 'notifications/roots/list_changed']);

export class Session implements UpstreamSession {
  private readonly notificationHandlers = new Set<(n: JsonRpcNotification) => void>();
  private readonly lostHandlers = new Set<(r: WardenError) => void>();
  private readonly subscribed = new Set<string>();
  private lostWith: WardenError | undefined;

  constructor(
    readonly server: string,
    readonly transport: McpTransportKind,
    private readonly cfg: McpServerConfig,
    private readonly link: SessionLink,
  ) {}

  get protocolVersion() {
    return this.link.info.protocolVersion;
  }
  get serverCapabilities() {
    return this.link.info.serverCapabilities;
  }
  get serverInfo() {
    return this.link.info.serverInfo;
  }
  get instructions() {
    return this.link.info.instructions;
  }
  get lost() {
    return this.lostWith !== undefined;
  }

  async request(method: string, params: Record<string, unknown> | undefined, opts: RequestOptions = {}): Promise<Record<string, unknown>> {
    if (this.lostWith) throw this.lostError();
    // Warden initialized this upstream session itself (capabilities stripped); a second
    // initialize would renegotiate it — on a shared stdio process, for everyone on it.
    if (method === 'initialize') throw new WardenError('WARDEN_E_BAD_REQUEST', `initialize is Warden's to send; the session with MCP server "${this.server}" is already initialized`);
    checkCall(this.server, this.cfg, method, params);
    const call = () => this.link.conn.request(method, params, { signal: opts.signal, onNotification: opts.onNotification, timeoutMs: opts.timeoutMs ?? this.cfg.timeouts.request_ms });
    let result: Record<string, unknown>;
    try {
      result = await call();
    } catch (e) {
      if (!isWardenError(e) || e.code !== 'WARDEN_E_MCP_SESSION_LOST' || !this.link.reinitialize) throw e;
      result = await this.retryAfterReinitialize(call);
    }
    this.track(method, params);
    return filterList(this.cfg, method, result);
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.lostWith) throw this.lostError();
    if (NOT_RELAYED.has(method)) return;
    await this.link.conn.notify(method, params);
  }

  onNotification(handler: (n: JsonRpcNotification) => void): () => void {
    this.notificationHandlers.add(handler);
    return () => this.notificationHandlers.delete(handler);
  }

  onLost(handler: (reason: WardenError) => void): () => void {
    if (this.lostWith) {
      const r = this.lostWith;
      queueMicrotask(() => handler(r));
      return () => undefined;
    }
    this.lostHandlers.add(handler);
    return () => this.lostHandlers.delete(handler);
  }

  async close(): Promise<void> {
    if (!this.lostWith) this.lose(new WardenError('WARDEN_E_MCP_SESSION_LOST', `the session with MCP server "${this.server}" was closed`), false);
    await this.link.close();
  }

  /** From the owner: a server notification for this session (resources/updated only when subscribed). */
  deliver(n: JsonRpcNotification): void {
    if (this.lostWith) return;
    if (n.method === 'notifications/resources/updated' && !(typeof n.params?.uri === 'string' && this.subscribed.has(n.params.uri))) return;
    for (const h of this.notificationHandlers) h(n);
  }

  /** From the owner or after a failed re-initialize: the session is gone. */
  lose(reason: WardenError, emit = true): void {
    if (this.lostWith) return;
    this.lostWith = reason;
    const handlers = [...this.lostHandlers];
    this.lostHandlers.clear();
    this.notificationHandlers.clear();
    if (emit) for (const h of handlers) h(reason);
  }

  private lostError(): WardenError {
    const r = this.lostWith as WardenError;
    if (r.code === 'WARDEN_E_MCP_SESSION_LOST') return r;
    return new WardenError('WARDEN_E_MCP_SESSION_LOST', `the session with MCP server "${this.server}" ended: ${r.message}`, { cause: r });
  }

  private async retryAfterReinitialize(call: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
    try {
      await this.link.reinitialize!();
      this.subscribed.clear();
      return await call();
    } catch (e) {
      const reason = isWardenError(e) && e.code === 'WARDEN_E_MCP_SESSION_LOST'
        ? new WardenError('WARDEN_E_MCP_SESSION_LOST', `MCP server "${this.server}" forgot its session again right after Warden re-initialized it`)
        : isWardenError(e) ? e : undefined;
      if (!reason) throw e; // the server's own JSON-RPC error on the retried call: the session is fine
      this.lose(reason);
      throw this.lostError();
    }
  }

  private track(method: string, params: Record<string, unknown> | undefined): void {
    const uri = params?.uri;
    if (typeof uri !== 'string') return;
    if (method === 'resources/subscribe') this.subscribed.add(uri);
    else if (method === 'resources/unsubscribe') this.subscribed.delete(uri);
  }
}
