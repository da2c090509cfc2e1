/**
 * Warden's own `initialize` to an upstream server. It declares no client capabilities:
 * sampling, elicitation and roots are stripped (MCP.md: relay them or strip them; Warden
 * strips, so a server never asks a client through Warden for things Warden cannot check).
 */
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { WardenError } from '../../../core/errors.js';
import { isObject, type RpcConnection } from './rpc-connection.js';

export interface InitializeResult {
  protocolVersion: string;
  serverCapabilities: Record<string, unknown>;
  serverInfo: { name: string; version: string; [k: string]: unknown };
  instructions: string | undefined;
}

export const WARDEN_CLIENT_INFO = { name: 'warden', version: '1' };

export async function initialize(conn: RpcConnection, server: string, timeoutMs: number): Promise<InitializeResult> {
  const r = await conn.request('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: WARDEN_CLIENT_INFO }, { timeoutMs });
  const bad = (what: string) => new WardenError('WARDEN_E_MCP_UPSTREAM_PROTOCOL', `MCP server "${server}" answered initialize with ${what}`);
  if (typeof r.protocolVersion !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(r.protocolVersion)) throw bad(`a protocol version Warden does not speak (${String(r.protocolVersion).slice(0, 40)})`);
  if (!isObject(r.capabilities)) throw bad('no capabilities object');
  const info = r.serverInfo;
  if (!isObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string') throw bad('no serverInfo name and version');
  await conn.notify('notifications/initialized');
  return {
    protocolVersion: r.protocolVersion,
    serverCapabilities: r.capabilities,
    serverInfo: info as InitializeResult['serverInfo'],
    instructions: typeof r.instructions === 'string' ? r.instructions : undefined,
  };
}
