/**
 * The OAuth side of `warden login` and `warden token`: discovery from the issuer and form
 * posts to its endpoints. Plain `fetch` (built into Node), so `warden token` loads nothing
 * else. Tokens never appear in an error message: only the IdP's `error` and
 * `error_description`, or the HTTP status.
 */
import { WardenError } from '../../core/errors.js';

const TIMEOUT_MS = 15_000;
const MAX_BODY = 1024 * 1024;

export interface Discovery {
  issuer: string;
  token_endpoint: string;
  authorization_endpoint?: string;
  device_authorization_endpoint?: string;
  revocation_endpoint?: string;
  /** RFC 9207: the IdP adds `iss` to the redirect. */
  authorization_response_iss_parameter_supported?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** https only, except on this machine (a local IdP in development and tests). */
export function checkEndpoint(what: string, value: unknown, code: 'WARDEN_E_LOGIN_FAILED' = 'WARDEN_E_LOGIN_FAILED'): string {
  if (typeof value !== 'string' || !value) throw new WardenError(code, `${what} is missing`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new WardenError(code, `${what} "${value}" is not a URL`);
  }
  if (u.protocol === 'https:') return value;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return value;
  throw new WardenError(code, `${what} ${u.origin} must use https (plain http only for 127.0.0.1 / localhost): tokens would cross the network in the clear`);
}

async function readJsonBody(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  // A revocation answers 200 with no body (RFC 7009).
  if (res.ok && text.trim() === '') return {};
  if (text.length > MAX_BODY) throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: answer larger than 1 MB`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: HTTP ${res.status}, not JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: HTTP ${res.status}, not a JSON object`);
  return v as Record<string, unknown>;
}

async function request(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: cannot reach ${new URL(url).origin} (${cause})`);
  }
}

/** `/.well-known/openid-configuration` of the issuer; its `issuer` must be exactly the one asked for. */
export async function discover(issuer: string): Promise<Discovery> {
  checkEndpoint('the issuer', issuer);
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await request(url, { headers: { accept: 'application/json' } }, `discovery at ${url}`);
  if (!res.ok) throw new WardenError('WARDEN_E_LOGIN_FAILED', `discovery at ${url}: HTTP ${res.status}; is ${issuer} the issuer URL of your identity provider?`);
  const d = await readJsonBody(res, `discovery at ${url}`);
  // OpenID Connect Discovery 1.0 §4.3: a document naming another issuer is not this issuer's.
  if (d.issuer !== issuer) throw new WardenError('WARDEN_E_LOGIN_FAILED', `discovery at ${url} names issuer "${printable(String(d.issuer), 200)}", not "${issuer}": use exactly the issuer your identity provider announces`);
  const out: Discovery = { issuer, token_endpoint: checkEndpoint('token_endpoint of the discovery document', d.token_endpoint) };
  for (const k of ['authorization_endpoint', 'device_authorization_endpoint', 'revocation_endpoint'] as const) {
    if (d[k] !== undefined) out[k] = checkEndpoint(`${k} of the discovery document`, d[k]);
  }
  if (d.authorization_response_iss_parameter_supported === true) out.authorization_response_iss_parameter_supported = true;
  return out;
}

/** Text from the IdP as it may be printed on a terminal: no control characters (escape sequences), bounded. */
export function printable(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, max);
}

/** An OAuth error answer (`{"error": …}`), kept apart so callers can react to `authorization_pending`, `slow_down`, `invalid_grant`. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string | undefined,
    readonly status: number,
  ) {
    super(description ? `${error}: ${description}` : error);
  }
}

/** POSTs a form; returns the JSON answer of a 2xx, throws OAuthError for an OAuth error answer. */
export async function postForm(url: string, params: Record<string, string | undefined>, what: string): Promise<Record<string, unknown>> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) body.set(k, v);
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body }, what);
  const json = await readJsonBody(res, what);
  if (res.ok && json.error === undefined) return json;
  if (typeof json.error === 'string') {
    // The IdP's own words, cut short, shown to the user: some IdPs echo the grant they refused
    // ("invalid refresh token rt_…"), so every secret this form sent is blanked out of them.
    const hide = (t: string) => redactSent(t, params);
    const desc = typeof json.error_description === 'string' ? printable(hide(json.error_description)) : undefined;
    throw new OAuthError(printable(hide(json.error), 100), desc, res.status);
  }
  throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: HTTP ${res.status} without an OAuth error`);
}

/** Form fields whose values are secrets (grants, verifiers, client credentials, tokens). */
const SECRET_FIELDS = ['refresh_token', 'code', 'code_verifier', 'device_code', 'client_secret', 'token', 'assertion', 'client_assertion'];

function redactSent(text: string, params: Record<string, string | undefined>): string {
  let out = text;
  for (const k of SECRET_FIELDS) {
    const v = params[k];
    // Split so that a secret cut short by the IdP, or percent-encoded, is still found.
    if (v && v.length >= 6) for (const form of new Set([v, encodeURIComponent(v)])) out = out.split(form).join('[redacted]');
  }
  return out;
}

export interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  id_token?: string;
}

export function tokenAnswer(j: Record<string, unknown>, what: string): TokenAnswer {
  if (typeof j.access_token !== 'string' || !j.access_token) throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: the answer has no access_token`);
  if (typeof j.token_type === 'string' && j.token_type.toLowerCase() !== 'bearer') throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: token_type ${printable(j.token_type, 40)}, Warden takes Bearer tokens`);
  const out: TokenAnswer = { access_token: j.access_token };
  if (typeof j.refresh_token === 'string' && j.refresh_token) out.refresh_token = j.refresh_token;
  if (typeof j.expires_in === 'number' && Number.isFinite(j.expires_in) && j.expires_in > 0) out.expires_in = j.expires_in;
  if (typeof j.id_token === 'string') out.id_token = j.id_token;
  return out;
}

/** A JWT's payload without checking its signature: only for the expiry of a token the IdP just handed us over TLS, and names in messages. */
export function unverifiedClaims(jwt: string | undefined): Record<string, unknown> | undefined {
  const part = jwt?.split('.')[1];
  if (!part) return undefined;
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** When the access token stops working: `expires_in`, else its `exp` claim, else five minutes. */
export function expiresAt(t: TokenAnswer, now: number): number {
  if (t.expires_in !== undefined) return now + t.expires_in * 1000;
  const exp = unverifiedClaims(t.access_token)?.exp;
  if (typeof exp === 'number' && Number.isFinite(exp)) return exp * 1000;
  return now + 5 * 60_000;
}

/**
 * A JWT access token the IdP hands back must be for the issuer asked and, when a resource or
 * audience was asked for, carry it: else it is a token for something else (an IdP mix-up, a
 * misconfigured client) that `warden token` would hand on to Warden — and Warden would hold a
 * credential valid elsewhere. Opaque tokens are left to Warden's verification.
 */
export function checkIssuedFor(t: TokenAnswer, want: { issuer: string; resource?: string | undefined; audience?: string | undefined }, what: string): void {
  const claims = unverifiedClaims(t.access_token);
  if (!claims) return;
  if (claims.iss !== undefined && claims.iss !== want.issuer) {
    throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: the access token was issued by "${printable(String(claims.iss), 200)}", not ${want.issuer}: refused, nothing stored`);
  }
  const expected = want.resource ?? want.audience;
  if (expected === undefined || claims.aud === undefined) return;
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.includes(expected)) {
    throw new WardenError('WARDEN_E_LOGIN_FAILED', `${what}: the access token is for ${printable(aud.map(String).join(', ') || 'no audience', 300)}, not ${expected}: refused, nothing stored (does the client have access to that resource at the IdP?)`);
  }
}
