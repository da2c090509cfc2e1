/**
 * The upstream MCP servers of a config version. Nothing is spawned or contacted here: a
 * stdio process starts on the first `open`, an HTTP session per `open`, so a server that is
 * down never fails Warden's start.
 */
import type { Logger } from '../../../telemetry/log.js';
import type { McpConfig } from '../config.js';
import { HttpServer } from './http-server.js';
import { StdioServer } from './stdio-server.js';
import type { UpstreamServer } from './types.js';

export interface UpstreamDeps {
  log: Logger;
}

export function createUpstreams(config: McpConfig, deps: UpstreamDeps): Map<string, UpstreamServer> {
  const out = new Map<string, UpstreamServer>();
  for (const [name, cfg] of Object.entries(config.servers)) {
    out.set(name, cfg.transport === 'stdio' ? new StdioServer(name, cfg, deps.log) : new HttpServer(name, cfg, deps.log));
  }
  return out;
}

/** Stops every process and session (config replaced, Warden shutting down). */
export async function closeUpstreams(servers: Map<string, UpstreamServer>): Promise<void> {
  await Promise.all([...servers.values()].map((s) => s.close()));
}

export type { UpstreamServer, UpstreamSession, UpstreamIdentity, RequestOptions, JsonRpcNotification, McpTransportKind } from './types.js';
export { JsonRpcErrorFromUpstream, isJsonRpcErrorFromUpstream } from './rpc-error.js';
