/**
 * `warden token`: prints a credential for Warden on stdout and nothing else, so it can be
 * Claude Code's `apiKeyHelper`. A stored virtual key is printed as it is; an OIDC access
 * token is refreshed first when it expires soon, and a rotated refresh token replaces the
 * stored one. Loads only node built-ins and this folder: Claude Code runs it often.
 */
import { WardenError } from '../../core/errors.js';
import { withFileLock } from './lock.js';
import { checkIssuedFor, expiresAt, OAuthError, postForm, tokenAnswer } from './oauth.js';
import { credentialsPath, loadCredentials, saveCredentials, syncBearerHeader, type Credentials, type OidcCredentials } from './store.js';

export interface TokenIO {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: Record<string, string | undefined>;
  now?: () => number;
}

/**
 * Refresh when less than this is left: a minute, or half the token's life for short-lived
 * tokens, so the token printed still works for the request it is printed for.
 */
export function refreshMargin(c: Pick<OidcCredentials, 'expires_at' | 'obtained_at'>): number {
  return Math.min(60_000, Math.max(0, (c.expires_at - c.obtained_at) / 2));
}

export function needsRefresh(c: OidcCredentials, now: number): boolean {
  return now >= c.expires_at - refreshMargin(c);
}

/** A fresh access token: the stored one when it still has time, else one refreshed (under the lock). */
export async function freshAccessToken(env: Record<string, string | undefined> | undefined, now: () => number, loaded?: Credentials): Promise<OidcCredentials> {
  const c = loaded ?? loadCredentials(env);
  if (!c) throw notLoggedIn(env);
  if (c.kind !== 'oidc') throw new WardenError('WARDEN_E_LOGIN_REQUIRED', 'the stored credential is a virtual key, not an OIDC login');
  if (!needsRefresh(c, now())) return c;
  return withFileLock(`${credentialsPath(env)}.lock`, 20_000, async () => {
    // Another `warden token` may have refreshed while this one waited for the lock.
    const current = loadCredentials(env);
    if (!current) throw notLoggedIn(env);
    if (current.kind !== 'oidc') throw new WardenError('WARDEN_E_LOGIN_REQUIRED', 'the stored credential changed to a virtual key meanwhile; run `warden token` again');
    if (!needsRefresh(current, now())) return current;
    const refreshed = await refresh(current, now());
    saveCredentials(refreshed, env);
    return refreshed;
  });
}

function notLoggedIn(env: Record<string, string | undefined> | undefined): WardenError {
  return new WardenError('WARDEN_E_LOGIN_REQUIRED', `not logged in (no ${credentialsPath(env)}): run \`warden login\` (OIDC) or \`warden login --key -\` (a virtual key on stdin)`);
}

async function refresh(c: OidcCredentials, now: number): Promise<OidcCredentials> {
  if (!c.refresh_token) {
    throw new WardenError('WARDEN_E_LOGIN_REQUIRED', `the access token from ${c.issuer} expired and the identity provider gave no refresh token (ask for the offline_access scope): run \`warden login\` again`);
  }
  let j: Record<string, unknown>;
  try {
    j = await postForm(c.token_endpoint, { grant_type: 'refresh_token', refresh_token: c.refresh_token, client_id: c.client_id, scope: c.scope, resource: c.resource, audience: c.audience }, `refreshing the token at ${c.issuer}`);
  } catch (e) {
    // The IdP's own trouble (server_error, temporarily_unavailable, a 5xx) is not a reason to log in again.
    if (e instanceof OAuthError && (e.status >= 500 || e.error === 'server_error' || e.error === 'temporarily_unavailable')) {
      throw new WardenError('WARDEN_E_LOGIN_FAILED', `${c.issuer} could not refresh the token now (${e.message}); try again later`);
    }
    if (e instanceof OAuthError) {
      throw new WardenError('WARDEN_E_LOGIN_REQUIRED', `${c.issuer} refused to refresh the token (${e.message}): the login expired or was revoked; run \`warden login\` again`);
    }
    throw e;
  }
  const t = tokenAnswer(j, `refreshing the token at ${c.issuer}`);
  checkIssuedFor(t, c, `refreshing the token at ${c.issuer}`);
  const next: OidcCredentials = { ...c, access_token: t.access_token, obtained_at: now, expires_at: expiresAt(t, now) };
  // Rotation: the IdP hands out a new refresh token and the old one is spent.
  if (t.refresh_token) next.refresh_token = t.refresh_token;
  return next;
}

export async function tokenCommand(io: TokenIO): Promise<number> {
  const c = loadCredentials(io.env);
  if (c?.kind === 'key') {
    syncBearerHeader(c, io.env);
    io.out(`${c.key}\n`);
    return 0;
  }
  const fresh = await freshAccessToken(io.env, io.now ?? Date.now, c);
  syncBearerHeader(fresh, io.env);
  io.out(`${fresh.access_token}\n`);
  return 0;
}
