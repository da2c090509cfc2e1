/**
 * OAuth 2.0 Device Authorization Grant (RFC 8628): the default of `warden login`. Works over
 * SSH and in containers: the user opens the verification page on any device and enters the
 * code shown here, while this process polls the token endpoint at the pace the IdP sets.
 */
import { WardenError } from '../../core/errors.js';
import type { Discovery } from './oauth.js';
import { checkEndpoint, OAuthError, postForm, printable, tokenAnswer, type TokenAnswer } from './oauth.js';

export interface FlowParams {
  client_id: string;
  scope: string;
  resource?: string;
  audience?: string;
  /** Pre-fills the account at the IdP (OpenID Connect `login_hint`). */
  login_hint?: string;
}

export interface FlowIO {
  err: (s: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const MAX_WAIT_S = 1800;
const MAX_INTERVAL_S = 60;
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function deviceFlow(d: Discovery, p: FlowParams, io: FlowIO): Promise<TokenAnswer> {
  if (!d.device_authorization_endpoint) {
    throw new WardenError('WARDEN_E_LOGIN_FAILED', `${d.issuer} announces no device_authorization_endpoint: enable the device flow for client ${p.client_id}, or log in with \`warden login --pkce\``);
  }
  const sleep = io.sleep ?? defaultSleep;
  const now = io.now ?? Date.now;
  let start: Record<string, unknown>;
  try {
    start = await postForm(d.device_authorization_endpoint, { client_id: p.client_id, scope: p.scope, resource: p.resource, audience: p.audience, login_hint: p.login_hint }, 'starting the device login');
  } catch (e) {
    if (e instanceof OAuthError) throw new WardenError('WARDEN_E_LOGIN_FAILED', `${d.issuer} refused the device login for client ${p.client_id} (${e.message})`);
    throw e;
  }
  const { device_code: deviceCode, user_code: userCode, verification_uri: uri, verification_uri_complete: complete } = start;
  if (typeof deviceCode !== 'string' || typeof userCode !== 'string' || typeof uri !== 'string') {
    throw new WardenError('WARDEN_E_LOGIN_FAILED', `${d.issuer}: the device authorization answer lacks device_code, user_code or verification_uri`);
  }
  // Shown to the user to open and type: an https page of the IdP, and no terminal escape sequences.
  const page = checkEndpoint('verification_uri of the device authorization answer', uri);
  const code = printable(userCode, 64);
  // Bounded whatever the IdP says: the login waits at most 30 minutes, polls at least once a minute.
  const expiresIn = typeof start.expires_in === 'number' && start.expires_in > 0 ? Math.min(start.expires_in, MAX_WAIT_S) : 600;
  let interval = typeof start.interval === 'number' && start.interval > 0 ? Math.min(start.interval, MAX_INTERVAL_S) : 5;
  io.err(`To log in, open ${printable(page, 2000)} and enter the code ${code}\n`);
  if (typeof complete === 'string' && complete.startsWith(page)) io.err(`(or open ${printable(complete, 2000)})\n`);
  io.err(`Waiting for you to log in (the code is valid for ${Math.round(expiresIn / 60)} min)…\n`);
  const deadline = now() + expiresIn * 1000;
  for (;;) {
    await sleep(interval * 1000);
    if (now() > deadline) throw new WardenError('WARDEN_E_LOGIN_FAILED', `the code ${code} expired before the login was completed; run \`warden login\` again`);
    try {
      const j = await postForm(d.token_endpoint, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: p.client_id, resource: p.resource }, 'polling for the device login');
      return tokenAnswer(j, 'the device login');
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      if (e.error === 'authorization_pending') continue;
      // RFC 8628 §3.5: slow down by 5 seconds for this and every later poll.
      if (e.error === 'slow_down') {
        interval = Math.min(interval + 5, MAX_INTERVAL_S);
        continue;
      }
      if (e.error === 'access_denied') throw new WardenError('WARDEN_E_LOGIN_FAILED', 'the login was declined at the identity provider');
      if (e.error === 'expired_token') throw new WardenError('WARDEN_E_LOGIN_FAILED', `the code ${code} expired before the login was completed; run \`warden login\` again`);
      throw new WardenError('WARDEN_E_LOGIN_FAILED', `${d.issuer} refused the device login (${e.message})`);
    }
  }
}
