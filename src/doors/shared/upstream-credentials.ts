/**
 * The last word on Warden keys leaving for an upstream, shared by every door that forwards
 * (threat: a client's virtual key landing in a provider's or an internal API's access logs,
 * where anyone reading them can spend it). Two steps:
 *
 * 1. `stripKeyParams`: query parameters with a credential name (`apikey`, `api_key`,
 *    `token`, … in any case or encoding) that carry a Warden key are dropped — the client
 *    meant to authenticate to Warden. Parameters that carry anything else are the upstream's
 *    business and pass untouched (an internal API may well take `?key=` or `?token=`).
 * 2. `assertNoWardenKey`: the target and every header about to be sent are searched for
 *    anything shaped like a Warden key, percent-decoded up to four times (a hop may decode
 *    again); one found anywhere refuses the request. Fail closed: never forward and hope.
 */
import { WardenError } from '../../core/errors.js';

/** `wdn_` + 42 base62 characters (src/identity/keys.ts), in any case: shape, not checksum. */
const KEY_SHAPE = /wdn_[0-9a-z]{42}/i;
/** Nothing can decode into a key without one of these. */
const MAY_HOLD = /wdn_|%/i;
const PCT = /%([0-9a-f]{2})/gi;

/** Parameter names (lower case, `-` `_` `.` removed) that clients use to send an API key. */
const CREDENTIAL_NAMES = new Set(['apikey', 'xapikey', 'key', 'token', 'accesstoken', 'authtoken', 'auth', 'authorization', 'bearer', 'wardenkey', 'secret']);

function decodeOnce(s: string): string {
  return s.replace(PCT, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The forms a hop could read: the string and its percent-decodings (at most four rounds). */
function readings(s: string, each: (form: string) => boolean): boolean {
  if (each(s)) return true;
  let cur = s;
  for (let i = 0; i < 4 && cur.includes('%'); i++) {
    const next = decodeOnce(cur);
    if (next === cur) return false;
    cur = next;
    if (each(cur)) return true;
  }
  return false;
}

/** True when the string, or a percent-decoding of it, holds something shaped like a Warden key. */
export function holdsWardenKey(s: string): boolean {
  if (!MAY_HOLD.test(s)) return false;
  return readings(s, (f) => KEY_SHAPE.test(f));
}

/** True for a query parameter name clients use to send an API key, in any case or encoding. */
export function isCredentialName(name: string): boolean {
  return readings(name.replace(/\+/g, ' '), (f) => CREDENTIAL_NAMES.has(f.toLowerCase().replace(/[-_.\s]/g, '')));
}

/**
 * The query string (`?…` or empty) without credential-named parameters that carry a Warden
 * key. Other bytes are kept as sent; no match leaves the same string (no allocation).
 */
export function stripKeyParams(query: string): string {
  if (query.length < 2 || !MAY_HOLD.test(query)) return query;
  const parts = query.slice(1).split('&');
  const kept = parts.filter((p) => {
    const eq = p.indexOf('=');
    return eq === -1 || !holdsWardenKey(p.slice(eq + 1)) || !isCredentialName(p.slice(0, eq));
  });
  if (kept.length === parts.length) return query;
  return kept.length ? `?${kept.join('&')}` : '';
}

/** `path?query` with `stripKeyParams` applied to its query. */
export function stripKeyParamsFromTarget(target: string): string {
  const q = target.indexOf('?');
  if (q === -1) return target;
  const query = target.slice(q);
  const stripped = stripKeyParams(query);
  return stripped === query ? target : target.slice(0, q) + stripped;
}

function leak(where: string): WardenError {
  return new WardenError('WARDEN_E_KEY_IN_FORWARD', `a Warden key appears in ${where}, which would be forwarded upstream; send the key only in x-api-key, apikey or Authorization`, { rule: 'forward.credentials' });
}

/**
 * Throws WARDEN_E_KEY_IN_FORWARD when the target (path and query) or any header name or
 * value of `headers` (flat [name, value, …]) holds a Warden key. `passed` names (lower case)
 * headers the operator chose to pass on as they are (`hide_credentials: false`).
 */
export function assertNoWardenKey(target: string, headers: readonly string[], passed?: ReadonlySet<string>): void {
  if (holdsWardenKey(target)) throw leak('the request URL');
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (passed?.has(name.toLowerCase())) continue;
    if (holdsWardenKey(name)) throw leak('a header name');
    // The name is safe to repeat in the message: it holds no key (checked just above).
    if (holdsWardenKey(headers[i + 1]!)) throw leak(`the ${name} header`);
  }
}

/**
 * Throws WARDEN_E_KEY_IN_FORWARD when the target holds `credential` — the very credential
 * Warden authenticated the request with, whatever its shape (an OIDC access token is not
 * key-shaped, so `assertNoWardenKey` cannot see it). A URL ends up in upstream access logs,
 * where a bearer token can be replayed against Warden; headers follow `hide_credentials`.
 */
export function assertCredentialNotInTarget(target: string, credential: string | undefined): void {
  if (!credential || credential.length < 16) return;
  if (readings(target.replace(/\+/g, ' '), (f) => f.includes(credential))) throw leak('the request URL');
}
