/**
 * Origin and Host on the MCP endpoint (MCP transport security; DNS rebinding). A browser's
 * `Origin` must be one configured — `mcp.allowed_origins`, or the origin of `mcp.resource`:
 * after a rebinding the `Host` header is the attacker's own name, so "Origin equals Host"
 * proves nothing on a listener browsers can reach by any name. Only on a loopback listener,
 * whose `Host` must itself be a loopback name (else refused), is the endpoint's own loopback
 * origin same-origin. No `Origin`: not a browser (Claude Code, the SDK), nothing to check.
 */
import type { McpDoorConfig } from './door-config.js';

/** 127.0.0.0/8 (IPv4-mapped too), ::1 and localhost, bracketed or not: names that cannot be rebound to another machine. */
export function isLoopbackName(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

/** Why the request is refused (403), or undefined. `bindHost` is `server.host`. */
export function originRefusal(h: { host: string | undefined; origin: string | undefined; tls: boolean }, cfg: Pick<McpDoorConfig, 'allowed_origins' | 'resource'>, bindHost: string): string | undefined {
  const loopback = isLoopbackName(bindHost.toLowerCase());
  const hostPort = (h.host ?? '').toLowerCase();
  const host = hostPort.replace(/:\d+$/, '');
  if (loopback && !isLoopbackName(host)) return `Host ${host.slice(0, 200)} is not a loopback name, and this listener is bound to ${bindHost} (DNS rebinding protection)`;
  const origin = h.origin;
  if (origin === undefined) return undefined;
  if (cfg.allowed_origins.includes(origin)) return undefined;
  if (cfg.resource && origin === new URL(cfg.resource).origin) return undefined;
  if (loopback && origin.toLowerCase() === `${h.tls ? 'https' : 'http'}://${hostPort}`) return undefined;
  return `Origin ${origin.slice(0, 200)} is not allowed on this MCP endpoint: list it in mcp.allowed_origins`;
}
