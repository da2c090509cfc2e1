/**
 * The upstream side of the MCP door: what the door sees of one configured MCP server.
 * `open(identity)` gives an initialized session that runs with the credential held for that
 * identity; requests carry the door's own params (ids, progress tokens and the client's
 * capabilities never travel: they are remapped or stripped here).
 */
import type { WardenError } from '../../../core/errors.js';
import type { CancelSignal } from './cancellation.js';
import type { JsonRpcErrorFromUpstream } from './rpc-error.js';

/** Who the session runs for: per-consumer credentials are keyed by `consumer`. */
export interface UpstreamIdentity {
  consumer: string;
}

export type McpTransportKind = 'stdio' | 'http' | 'sse';

export interface JsonRpcNotification {
  method: string;
  params?: Record<string, unknown>;
}

export interface RequestOptions {
  /** Aborting cancels the request upstream (`notifications/cancelled`) and rejects it. */
  signal?: CancelSignal;
  /** Default: the server's `timeouts.request_ms`. */
  timeoutMs?: number;
  /**
   * Notifications that belong to this request: `notifications/progress` carrying the
   * caller's own `progressToken` (remapped back), and `notifications/message` when it came
   * on this request's answer stream (Streamable HTTP) or, where the transport cannot say
   * (stdio, SSE), while this was the only request in flight on the connection.
   */
  onNotification?: (n: JsonRpcNotification) => void;
}

export interface UpstreamSession {
  readonly server: string;
  readonly transport: McpTransportKind;
  readonly protocolVersion: string;
  /** As the server announced them in `initialize`. */
  readonly serverCapabilities: Record<string, unknown>;
  readonly serverInfo: { name: string; version: string; [k: string]: unknown };
  readonly instructions: string | undefined;
  /**
   * One JSON-RPC request. Resolves with the `result`; rejects with JsonRpcErrorFromUpstream
   * (the server's own error: relay code, message, data) or WardenError (Warden's: timeout,
   * server gone, garbage, name outside the server's ceiling, session lost).
   * `tools/list`, `prompts/list`, `resources/list` results are filtered by the server-wide
   * allow/deny lists; `tools/call`, `prompts/get`, `resources/read` outside them are refused.
   */
  request(method: string, params: Record<string, unknown> | undefined, opts?: RequestOptions): Promise<Record<string, unknown>>;
  /** A client notification (`notifications/cancelled` is handled by `signal`; others pass). */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /**
   * Session-wide notifications: `notifications/tools/list_changed`, `…/prompts/list_changed`,
   * `…/resources/list_changed`, `notifications/resources/updated` (only for URIs this session
   * subscribed), and `notifications/message` not tied to one request. Returns an unsubscribe.
   */
  onNotification(handler: (n: JsonRpcNotification) => void): () => void;
  /**
   * Called once when the session is gone for good (process exited, connection lost, the
   * server forgot the session twice). Requests after that reject with
   * WARDEN_E_MCP_SESSION_LOST; the door opens a new session or ends its own with 404.
   */
  onLost(handler: (reason: WardenError) => void): () => void;
  readonly lost: boolean;
  /** Ends the session (HTTP: DELETE upstream; stdio: detaches, the process stays for others). */
  close(): Promise<void>;
}

export interface UpstreamServer {
  readonly name: string;
  readonly transport: McpTransportKind;
  /** Rejects with WARDEN_E_MCP_CREDENTIAL_MISSING, …_UNAVAILABLE, …_TIMEOUT or …_PROTOCOL. */
  open(identity: UpstreamIdentity, opts?: { signal?: CancelSignal }): Promise<UpstreamSession>;
  /** Stops every process and session of this server. */
  close(): Promise<void>;
}

export type UpstreamError = WardenError | JsonRpcErrorFromUpstream;
