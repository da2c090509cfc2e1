/**
 * The MCP door (seeds 001, 003): one authenticated endpoint in front of the configured MCP
 * servers — `/mcp` (every server, names as `server__tool`) and `/mcp/<server>` (one server,
 * unprefixed) — with tools per identity and arguments checked before a tool runs
 * (docs/mcp.md). The upstream side lives in ./upstream.
 */
import type { Door } from '../door.js';
import { mcpConfig } from './door-config.js';
import { mcpPart } from './part.js';
import { failMcp } from './render.js';
import { createMcpHandler } from './transport.js';

export const mcpDoor: Door<typeof mcpConfig> = {
  id: 'mcp',
  config: mcpConfig,
  part: mcpPart,
  // At the MCP door, `route.id` is the server's name.
  routeIds: (config) => [{ noun: 'MCP server', path: 'mcp.servers', ids: Object.keys(config.mcp.servers), quietWhenEmpty: true }],
  http: createMcpHandler,
  claims: (path) => path === '/mcp' || path.startsWith('/mcp/'),
  fail: failMcp,
};
