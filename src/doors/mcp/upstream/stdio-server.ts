/**
 * A stdio MCP server: one supervised process per credential (the shared one, or one per
 * consumer with `credentials_per_consumer`, so no process ever holds two users' tokens).
 * Door sessions are views multiplexed on that process's connection (ids and progress tokens
 * remapped). When the process exits or is killed for garbage or a flood, its views are lost
 * and it is restarted after an exponential backoff.
 *
 * Log lines (`notifications/message`) on stdio carry nothing that says which call made them,
 * and a server may log after it answered. So a line is relayed only while the process has
 * served one consumer since it started (to that consumer's sessions); once two consumers
 * have used it, lines not tied to a request are dropped — one consumer never reads
 * another's. Progress is tied to its request by token and always relayed.
 */
import { WardenError, isWardenError } from '../../../core/errors.js';
import type { Logger } from '../../../telemetry/log.js';
import type { McpStdioServerConfig } from '../config.js';
import { credentialFor, secretValues } from './credentials.js';
import { initialize, type InitializeResult } from './initialize.js';
import { RpcConnection } from './rpc-connection.js';
import { Session } from './session.js';
import { StdioWire } from './stdio-wire.js';
import type { CancelSignal } from './cancellation.js';
import type { UpstreamIdentity, UpstreamServer, UpstreamSession } from './types.js';

interface Live {
  conn: RpcConnection;
  info: InitializeResult;
  wire: StdioWire;
  startedAt: number;
  /** Consumers that opened a view on this process since it started. */
  consumers: Set<string>;
}

class SupervisedProcess {
  private live: Promise<Live> | undefined;
  private readonly views = new Set<Session>();
  private backoffMs: number;
  private notBefore = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly server: string,
    private readonly cfg: McpStdioServerConfig,
    private readonly env: Record<string, string>,
    private readonly secrets: string[],
    private readonly log: Logger,
  ) {
    this.backoffMs = cfg.restart.initial_ms;
  }

  async open(consumer: string, signal?: CancelSignal): Promise<UpstreamSession> {
    const live = await this.ensure(signal);
    if (!live.consumers.has(consumer)) {
      live.consumers.add(consumer);
      if (live.consumers.size === 2) this.log.info('mcp stdio server shared by several consumers: its log lines are no longer relayed to clients', { server: this.server, pid: live.wire.pid });
    }
    const view: Session = new Session(this.server, 'stdio', this.cfg, {
      conn: live.conn,
      info: live.info,
      close: async () => {
        this.views.delete(view);
      },
    });
    this.views.add(view);
    return view;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const live = await this.live?.catch(() => undefined);
    if (live) {
      live.conn.fail(new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${this.server}" was stopped`));
      await live.wire.close();
    }
  }

  private ensure(signal?: CancelSignal): Promise<Live> {
    if (this.stopped) return Promise.reject(new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${this.server}" was stopped`));
    if (!this.live) {
      const wait = this.notBefore - Date.now();
      if (wait > this.cfg.timeouts.connect_ms) {
        return Promise.reject(new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${this.server}" keeps exiting; the next start is in ${Math.ceil(wait / 1000)} s`));
      }
      this.live = this.startAfter(Math.max(0, wait));
      this.live.catch(() => undefined);
    }
    if (!signal) return this.live;
    return Promise.race([this.live, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
  }

  private async startAfter(delayMs: number): Promise<Live> {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs).unref());
    const wire = new StdioWire(this.server, this.cfg, this.env, this.log, this.secrets);
    const startedAt = Date.now();
    let live: Live | undefined;
    const consumers = new Set<string>();
    const conn = new RpcConnection(wire, {
      server: this.server,
      log: this.log,
      maxNotificationsPerSecond: this.cfg.max_notifications_per_second,
      sendError: (e) => (isWardenError(e) ? e : new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${this.server}" is not accepting input`)),
      mayAttributeStrayLogs: () => consumers.size <= 1,
      onServerNotification: (n) => {
        // A stray log line goes to the sessions of the one consumer this process has served, or nowhere.
        if (n.method === 'notifications/message' && consumers.size !== 1) return;
        for (const v of this.views) v.deliver(n);
      },
      onClosed: (reason) => this.exited(reason, live ?? null, startedAt),
    });
    try {
      await conn.start();
      const info = await initialize(conn, this.server, this.cfg.timeouts.connect_ms);
      live = { conn, info, wire, startedAt, consumers };
      this.log.info('mcp stdio server started', { server: this.server, pid: wire.pid, server_name: info.serverInfo.name.slice(0, 100) });
      return live;
    } catch (e) {
      const reason = isWardenError(e) ? e : new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${this.server}" failed to initialize`, { cause: e });
      conn.fail(reason);
      await wire.close();
      throw reason;
    }
  }

  private exited(reason: WardenError, live: Live | null, startedAt: number): void {
    const views = [...this.views];
    this.views.clear();
    for (const v of views) v.lose(reason);
    this.live = undefined;
    if (this.stopped) return;
    this.backoffMs = Date.now() - startedAt >= this.cfg.restart.stable_ms ? this.cfg.restart.initial_ms : this.backoffMs;
    this.notBefore = Date.now() + this.backoffMs;
    this.log.warn('mcp stdio server gone', { server: this.server, reason: reason.message, restart_in_ms: this.backoffMs, was_ready: live !== null });
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.cfg.restart.max_ms);
    // Supervised: started again after the backoff, whether or not anyone is waiting.
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped && !this.live) this.ensure().catch(() => undefined);
    }, delay);
    this.restartTimer.unref();
  }
}

export class StdioServer implements UpstreamServer {
  readonly transport = 'stdio' as const;
  private readonly processes = new Map<string, SupervisedProcess>();

  constructor(
    readonly name: string,
    private readonly cfg: McpStdioServerConfig,
    private readonly log: Logger,
  ) {}

  open(identity: UpstreamIdentity, opts: { signal?: CancelSignal } = {}): Promise<UpstreamSession> {
    let cred;
    try {
      cred = credentialFor(this.name, this.cfg, identity);
    } catch (e) {
      return Promise.reject(e);
    }
    let p = this.processes.get(cred.key);
    if (!p) {
      p = new SupervisedProcess(this.name, this.cfg, cred.credential?.env ?? {}, secretValues(cred.credential), this.log);
      this.processes.set(cred.key, p);
    }
    return p.open(identity.consumer, opts.signal);
  }

  async close(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
    this.processes.clear();
  }
}
