/**
 * Header checks and key-auth credential extraction on raw header pairs (so duplicates are
 * visible), before any body is read.
 */
import { WardenError } from '../../core/errors.js';

function dup(why: string): WardenError {
  return new WardenError('WARDEN_E_HEADER_INVALID', why, { rule: 'http.headers' });
}

/**
 * Refuses requests whose framing or target is ambiguous. Threat: request smuggling and
 * host confusion — two hops reading different Host or body lengths (RFC 9112 §3.2, §6.3).
 */
export function assertUnambiguous(raw: readonly string[]): void {
  let host = 0;
  let cl: string | undefined;
  let te = false;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length !== 4 && n.length !== 14 && n.length !== 17) continue;
    const lower = n.toLowerCase();
    if (lower === 'host' && ++host > 1) throw dup('more than one Host header');
    else if (lower === 'content-length') {
      if (cl !== undefined) throw dup('more than one Content-Length header');
      cl = raw[i + 1]!;
      if (!/^\d{1,15}$/.test(cl)) throw dup('Content-Length is not a number');
    } else if (lower === 'transfer-encoding') te = true;
  }
  if (te && cl !== undefined) throw dup('both Transfer-Encoding and Content-Length');
}

/** Where the key was found: the raw header pair indexes and whether the query carried it. */
export interface FoundKey {
  key: string | undefined;
  fromQuery: boolean;
}

const BEARER = /^(?:bearer|apikey)\s+(\S+)\s*$/i;

/**
 * key-auth: the key from `apikey`, `x-api-key`, `Authorization: Bearer` (or `apikey`
 * scheme), and the `apikey` query parameter when the route allows it. Several different
 * keys → 400 (threat: one hop authenticating one identity while another reads a different one).
 */
export function findKey(raw: readonly string[], query: string, allowQuery: boolean): FoundKey {
  let key: string | undefined;
  let fromQuery = false;
  const take = (v: string, q: boolean) => {
    if (!v) return;
    if (key !== undefined && key !== v) throw dup('the request carries several different API keys (apikey, x-api-key, Authorization, ?apikey=); send exactly one');
    key = v;
    fromQuery ||= q;
  };
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length !== 6 && n.length !== 9 && n.length !== 13) continue;
    const lower = n.toLowerCase();
    if (lower === 'apikey' || lower === 'x-api-key') take(raw[i + 1]!.trim(), false);
    else if (lower === 'authorization') {
      const m = BEARER.exec(raw[i + 1]!);
      if (m) take(m[1]!, false);
    }
  }
  if (allowQuery && query.length > 1) {
    for (const v of new URLSearchParams(query.slice(1)).getAll('apikey')) take(v, true);
  }
  return { key, fromQuery };
}

/** The query string without `apikey` parameters, other bytes untouched (hide_credentials). */
export function stripKeyFromQuery(query: string): string {
  if (query.length < 2) return query;
  const kept = query
    .slice(1)
    .split('&')
    .filter((p) => {
      const eq = p.indexOf('=');
      const name = eq === -1 ? p : p.slice(0, eq);
      try {
        return decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase() !== 'apikey';
      } catch {
        return true;
      }
    });
  return kept.length ? `?${kept.join('&')}` : '';
}
