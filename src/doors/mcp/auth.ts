/**
 * Who is calling the MCP endpoint, and how a client learns to authenticate. A Warden key
 * or an OIDC access token (`identity.oidc`, its `audience` the MCP endpoint's URI, RFC 8707)
 * identifies the caller, through the one Identity every door uses; anything else presented
 * as a credential is refused with 401: a malformed or fabricated token never falls through to
 * another way in (LiteLLM CVE-2026-59822). The 401 carries the RFC 9728 pointer to the
 * protected-resource metadata, served at the path-inserted and the root well-known URI.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WardenError } from '../../core/errors.js';
import type { Consumer, KeyInfo } from '../../core/exchange.js';
import { extractCredential } from '../../identity/credential.js';
import type { Gateway } from '../../runtime/gateway.js';
import type { Identified } from '../../identity/identity.js';
import type { McpDoorConfig } from './door-config.js';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

export interface McpCaller {
  /** The session binding: `key:<id>`, or `oidc:<issuer>#<subject>` for a token. */
  principal: string;
  key: KeyInfo;
  consumer: Consumer;
  oidc?: { issuer: string; subject: string };
}

function caller(who: Identified): McpCaller {
  const p = who.principal;
  return { principal: p ? `oidc:${p.issuer}#${p.subject}` : `key:${who.key.id}`, key: who.key, consumer: who.consumer, ...(p ? { oidc: p } : {}) };
}

/**
 * Throws (or rejects with) a 401 WardenError (AUTH_*, TOKEN_*) for a missing, malformed,
 * unknown, expired or revoked credential. A promise only on a token's first sight.
 */
export function identifyCaller(gw: Gateway, req: IncomingMessage): McpCaller | Promise<McpCaller> {
  const credential = extractCredential(req.rawHeaders);
  if (!credential) throw new WardenError('WARDEN_E_AUTH_MISSING', 'this MCP endpoint needs a credential: send a Warden key or an access token as `Authorization: Bearer …` (docs/mcp.md)');
  const who = gw.identity.authenticate(credential);
  return who instanceof Promise ? who.then(caller) : caller(who);
}

/** The endpoint's own origin as the client reached it (or `mcp.resource`'s). */
export function baseUrl(req: IncomingMessage, cfg: McpDoorConfig): string {
  if (cfg.resource) return new URL(cfg.resource).origin;
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}

/** The canonical URI of the resource at `path` (`/mcp` or `/mcp/<server>`). */
export function resourceUri(req: IncomingMessage, cfg: McpDoorConfig, path: string): string {
  if (cfg.resource) return path === '/mcp' ? cfg.resource : `${cfg.resource.replace(/\/+$/, '')}${path.slice(4)}`;
  return `${baseUrl(req, cfg)}${path}`;
}

/** `WWW-Authenticate` of a 401 on `path` (RFC 9728 §5.1, RFC 6750). */
export function challenge(req: IncomingMessage, cfg: McpDoorConfig, path: string, error?: 'invalid_token'): string {
  const meta = `${baseUrl(req, cfg)}${METADATA_PATH}${path}`;
  return `Bearer resource_metadata="${meta}"${error ? `, error="${error}"` : ''}`;
}

/**
 * GET `/.well-known/oauth-protected-resource[/mcp[/<server>]]`: the protected-resource
 * metadata. Returns false for a path under the well-known prefix that is not an MCP resource.
 */
export function serveMetadata(req: IncomingMessage, res: ServerResponse, cfg: McpDoorConfig, rest: string, servers: ReadonlySet<string>): boolean {
  const path = rest === '' ? '/mcp' : rest;
  if (path !== '/mcp' && !(path.startsWith('/mcp/') && servers.has(path.slice(5)))) return false;
  const body = JSON.stringify({
    resource: resourceUri(req, cfg, path),
    authorization_servers: cfg.authorization_servers,
    bearer_methods_supported: ['header'],
    resource_name: 'Warden MCP gateway',
  });
  res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 200 : 405, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'max-age=300' });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
