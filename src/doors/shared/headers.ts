import { CREDENTIAL_HEADERS } from '../../identity/credential.js';

/** RFC 9110 §7.6.1: connection-specific headers are never forwarded by a proxy. */
export const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authorization', 'proxy-authenticate',
]);

/**
 * Client headers to send upstream, as a flat [name, value, …] array (undici's fastest
 * form): drops hop-by-hop headers and those named in `Connection`, client credentials
 * (the upstream gets Warden's own), `host` and `content-length` (recomputed), Warden's
 * internal headers (threat: a client spoofing gateway-asserted identity), and `extraDrop`.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], extraDrop?: ReadonlySet<string>): string[] {
  let connectionListed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'connection') {
      connectionListed ??= new Set();
      for (const t of rawHeaders[i + 1]!.split(',')) connectionListed.add(t.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || CREDENTIAL_HEADERS.has(lower) || lower === 'host' || lower === 'content-length') continue;
    if (lower.startsWith('x-warden-') || lower === 'x-consumer-username' || lower === 'x-consumer-groups') continue;
    if (connectionListed?.has(lower) || extraDrop?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  return out;
}

/** Upstream response headers to pass to the client: everything but hop-by-hop ones. */
export function downstreamResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connection = headers['connection'];
  const listed = typeof connection === 'string' ? new Set(connection.split(',').map((t) => t.trim().toLowerCase())) : undefined;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    out[name] = v;
  }
  return out;
}
