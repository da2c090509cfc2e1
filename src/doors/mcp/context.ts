/** What one MCP message carries through the door's stages. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Exchange } from '../../core/exchange.js';
import type { Gateway } from '../../runtime/gateway.js';
import type { Snapshot } from '../../runtime/snapshot.js';
import type { ToolGrants } from './grants.js';
import type { McpPart } from './part.js';
import type { RpcMessage } from './rpc.js';
import type { McpSession, SessionStore } from './sessions.js';
import type { CancelSignal } from './upstream/cancellation.js';
import type { JsonRpcNotification } from './upstream/index.js';

/** How the answer to the POST is written: one JSON body, or an SSE stream that ends with it. */
export interface Reply {
  /** Whether notifications can travel before the answer (the client accepts SSE). */
  readonly canStream: boolean;
  notify(n: JsonRpcNotification): void;
}

export interface McpCtx {
  gw: Gateway;
  snap: Snapshot;
  part: McpPart;
  req: IncomingMessage;
  res: ServerResponse;
  ex: Exchange;
  sessions: SessionStore;
  session: McpSession;
  grants: ToolGrants;
  msg: RpcMessage;
  reply: Reply;
  /** Aborted when the client goes away (closing the response stream is cancellation). */
  signal: CancelSignal;
}
