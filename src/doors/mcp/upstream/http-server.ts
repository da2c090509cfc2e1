/**
 * An MCP server over Streamable HTTP or legacy HTTP+SSE: one upstream session per door
 * session, opened with the credential held for the caller's identity (the client's own
 * token never travels: MCP authorization spec, "MUST NOT pass through the token"). A server
 * that forgets the session (404) is re-initialized once; a second 404 loses the session.
 */
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Agent } from 'undici';
import { WardenError, isWardenError } from '../../../core/errors.js';
import type { Logger } from '../../../telemetry/log.js';
import type { McpHttpServerConfig } from '../config.js';
import { boundedFetch } from './bounded-fetch.js';
import { credentialFor } from './credentials.js';
import { initialize, type InitializeResult } from './initialize.js';
import { RpcConnection } from './rpc-connection.js';
import { Session, type SessionLink } from './session.js';
import { createMcpAgent, HttpStatusError, StreamableHttpWire } from './streamable-http-wire.js';
import type { CancelSignal } from './cancellation.js';
import type { UpstreamIdentity, UpstreamServer, UpstreamSession } from './types.js';

type HttpTransport = StreamableHttpWire | SSEClientTransport;
const DELETE_TIMEOUT_MS = 2000;

/** Maps a transport failure to Warden's error; never quotes the server's body (it may echo credentials). */
function classify(server: string, e: unknown, method: string, hadSession: boolean): WardenError {
  if (isWardenError(e)) return e;
  const status: number = e instanceof HttpStatusError ? e.status : Number(/\(HTTP (\d{3})\)/.exec(String((e as Error)?.message))?.[1] ?? NaN);
  if (status === 404 && hadSession) return new WardenError('WARDEN_E_MCP_SESSION_LOST', `MCP server "${server}" no longer knows the session (HTTP 404 to ${method})`);
  if (status === -1) return new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${server}" answered ${method} with a content type that is neither JSON nor an event stream`);
  if (Number.isInteger(status) && status > 0) return new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${server}" answered HTTP ${status} to ${method} (mcp.servers.${server}.url)`);
  const name = (e as Error)?.name;
  if (e instanceof SyntaxError || name === 'ZodError' || name === '$ZodError') return new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${server}" answered ${method} with something that is not JSON-RPC`);
  const cause = (e as { cause?: { code?: unknown } })?.cause?.code;
  return new WardenError('WARDEN_E_MCP_UPSTREAM_UNAVAILABLE', `could not reach MCP server "${server}"${typeof cause === 'string' ? ` (${cause})` : ''} (mcp.servers.${server}.url)`);
}

class HttpLink implements SessionLink {
  conn!: RpcConnection;
  info!: InitializeResult;
  session: Session | undefined;
  private transport!: HttpTransport;

  constructor(
    private readonly server: string,
    private readonly cfg: McpHttpServerConfig,
    private readonly headers: Record<string, string>,
    private readonly log: Logger,
    private readonly agent: Agent,
  ) {}

  async connect(): Promise<void> {
    let conn: RpcConnection | undefined = undefined;
    // One oversized message poisons the connection: end it rather than guess which call it answered.
    const onOversize = (e: WardenError) => conn?.fail(e);
    const url = new URL(this.cfg.url);
    const transport: HttpTransport =
      this.cfg.transport === 'http'
        ? new StreamableHttpWire({ server: this.server, url, headers: this.headers, maxBytes: this.cfg.max_message_bytes, headersTimeoutMs: this.cfg.timeouts.request_ms, dispatcher: this.agent, onOversize })
        : new SSEClientTransport(url, { requestInit: { headers: this.headers }, fetch: boundedFetch({ server: this.server, maxBytes: this.cfg.max_message_bytes, headersTimeoutMs: this.cfg.timeouts.request_ms, onOversize }) });
    const c: RpcConnection = new RpcConnection(transport, {
      server: this.server,
      log: this.log,
      maxNotificationsPerSecond: this.cfg.max_notifications_per_second,
      sendError: (e, method) => classify(this.server, e, method, transport instanceof StreamableHttpWire && transport.sessionId !== undefined),
      onServerNotification: (n) => this.session?.deliver(n),
      // Only the current connection speaks for the session; one replaced by a re-initialize does not.
      onClosed: (reason) => {
        if (this.conn === c) this.session?.lose(reason);
      },
    });
    conn = c;
    try {
      await c.start();
      const info = await initialize(c, this.server, this.cfg.timeouts.connect_ms);
      if (transport instanceof StreamableHttpWire) transport.setProtocolVersion(info.protocolVersion);
      const old = this.conn;
      this.conn = c;
      this.info = info;
      this.transport = transport;
      if (old) old.retire(new WardenError('WARDEN_E_MCP_SESSION_LOST', `replaced by a new session with MCP server "${this.server}"`));
    } catch (e) {
      const reason = isWardenError(e) && e.code !== 'WARDEN_E_MCP_SESSION_LOST' ? e : classify(this.server, e, 'initialize', false);
      c.fail(reason);
      throw reason;
    }
  }

  private reinitializing: Promise<void> | undefined;

  reinitialize(failed: RpcConnection): Promise<void> {
    if (this.reinitializing) return this.reinitializing;
    if (this.conn !== failed) return Promise.resolve(); // another call already replaced it
    this.log.info('mcp upstream forgot the session; re-initializing', { server: this.server });
    this.reinitializing = this.connect().finally(() => (this.reinitializing = undefined));
    return this.reinitializing;
  }

  async close(): Promise<void> {
    const t = this.transport;
    // Claude Code never sends DELETE; Warden does, so upstream sessions do not pile up.
    if (t instanceof StreamableHttpWire && !this.conn.closed) await t.terminateSession(DELETE_TIMEOUT_MS);
    this.conn.fail(new WardenError('WARDEN_E_MCP_SESSION_LOST', `the session with MCP server "${this.server}" was closed`));
  }
}

export class HttpServer implements UpstreamServer {
  private readonly links = new Set<HttpLink>();
  /** One connection pool per server, shared by its sessions (keep-alive across calls). */
  private readonly agent = createMcpAgent();

  constructor(
    readonly name: string,
    private readonly cfg: McpHttpServerConfig,
    private readonly log: Logger,
  ) {}

  get transport() {
    return this.cfg.transport;
  }

  async open(identity: UpstreamIdentity, opts: { signal?: CancelSignal } = {}): Promise<UpstreamSession> {
    const { credential } = credentialFor(this.name, this.cfg, identity);
    const headers: Record<string, string> = { ...this.cfg.headers };
    if (credential?.header && credential.value) headers[credential.header] = credential.value;
    const link = new HttpLink(this.name, this.cfg, headers, this.log, this.agent);
    opts.signal?.throwIfAborted();
    await link.connect();
    const session = new Session(this.name, this.cfg.transport, this.cfg, {
      get conn() {
        return link.conn;
      },
      get info() {
        return link.info;
      },
      ...(this.cfg.transport === 'http' ? { reinitialize: (failed: RpcConnection) => link.reinitialize(failed) } : {}),
      close: async () => {
        this.links.delete(link);
        await link.close();
      },
    });
    link.session = session;
    this.links.add(link);
    return session;
  }

  async close(): Promise<void> {
    const links = [...this.links];
    this.links.clear();
    await Promise.all(links.map((l) => (l.session ? l.session.close() : l.close())));
    await this.agent.close().catch(() => undefined);
  }
}
