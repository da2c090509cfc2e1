/**
 * `warden login` and `warden logout`. OIDC: the device flow by default, `--pkce` for the
 * authorization code flow on a loopback redirect; the issuer and client come from the flags,
 * else from `login.json` in the config folder. `--key` stores a Warden virtual key instead.
 * Either way `warden token` prints the credential afterwards.
 */
import { WardenError } from '../../core/errors.js';
import { isWellFormedKey } from '../../identity/keys.js';
import { deviceFlow, type FlowParams } from './device.js';
import { checkIssuedFor, discover, expiresAt, postForm, unverifiedClaims, type TokenAnswer } from './oauth.js';
import { pkceFlow } from './pkce.js';
import { LOGIN_DIR_ENV, LOGIN_SETTINGS_FILE, loadCredentials, loadLoginSettings, loginDir, removeCredentials, saveCredentials, type OidcCredentials } from './store.js';

export interface LoginIO {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: Record<string, string | undefined>;
  /** Where `--key -` reads the key (process.stdin by default). */
  readStdin?: () => Promise<string>;
}

export interface LoginOptions {
  issuer?: string;
  clientId?: string;
  scope?: string;
  resource?: string;
  audience?: string;
  loginHint?: string;
  pkce?: boolean;
  port?: number;
  timeout?: number;
  key?: string;
}

export const DEFAULT_SCOPE = 'openid profile offline_access';

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      text += d;
      if (text.length > 4096) reject(new WardenError('WARDEN_E_USAGE', '--key -: more than 4 KB on stdin; give the key alone'));
    });
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

async function saveKey(opts: LoginOptions, io: LoginIO): Promise<number> {
  const key = (opts.key === '-' ? await (io.readStdin ?? (() => readAll(process.stdin)))() : opts.key!).trim();
  if (!key) throw new WardenError('WARDEN_E_USAGE', '--key: no key given (pipe it on stdin with `--key -`)');
  if (!isWellFormedKey(key)) throw new WardenError('WARDEN_E_USAGE', '--key: not a Warden virtual key (wdn_ and 42 letters and digits, with a valid checksum); `warden keys create` makes one');
  const file = saveCredentials({ version: 1, kind: 'key', key, obtained_at: Date.now() }, io.env);
  io.err(`stored the virtual key in ${file} (mode 0600); \`warden token\` prints it\n`);
  return 0;
}

/** Flags first, then the config folder's login.json. */
function flowParams(opts: LoginOptions, io: LoginIO): { issuer: string; params: FlowParams } {
  const found = loadLoginSettings(io.env);
  const s = found?.settings ?? {};
  const issuer = opts.issuer ?? s.issuer;
  const clientId = opts.clientId ?? s.client_id;
  if (!issuer || !clientId) {
    const missing = [!issuer && '--issuer URL', !clientId && '--client-id ID'].filter(Boolean).join(' and ');
    throw new WardenError('WARDEN_E_USAGE', `give ${missing}, or put issuer and client_id in ${loginDir(io.env)}/${LOGIN_SETTINGS_FILE} (the folder is $${LOGIN_DIR_ENV}, else $XDG_CONFIG_HOME/warden, else ~/.config/warden)`);
  }
  const params: FlowParams = { client_id: clientId, scope: opts.scope ?? s.scope ?? DEFAULT_SCOPE };
  const resource = opts.resource ?? s.resource;
  const audience = opts.audience ?? s.audience;
  if (resource !== undefined) params.resource = resource;
  if (audience !== undefined) params.audience = audience;
  if (opts.loginHint !== undefined) params.login_hint = opts.loginHint;
  return { issuer, params };
}

export async function loginCommand(opts: LoginOptions, io: LoginIO): Promise<number> {
  if (opts.key !== undefined) {
    if (opts.issuer || opts.clientId || opts.pkce || opts.loginHint) throw new WardenError('WARDEN_E_USAGE', '--key stores a virtual key; it takes none of --issuer, --client-id, --pkce, --login-hint');
    return saveKey(opts, io);
  }
  const { issuer, params } = flowParams(opts, io);
  const d = await discover(issuer);
  const started = Date.now();
  const t: TokenAnswer = opts.pkce ? await pkceFlow(d, params, io, { port: opts.port, timeoutMs: (opts.timeout ?? 300) * 1000 }) : await deviceFlow(d, params, io);
  checkIssuedFor(t, { issuer, resource: params.resource, audience: params.audience }, 'the login');
  const now = Date.now();
  const c: OidcCredentials = {
    version: 1, kind: 'oidc', issuer, client_id: params.client_id, token_endpoint: d.token_endpoint, scope: params.scope,
    access_token: t.access_token, obtained_at: now, expires_at: expiresAt(t, now),
  };
  if (d.revocation_endpoint) c.revocation_endpoint = d.revocation_endpoint;
  if (params.resource) c.resource = params.resource;
  if (params.audience) c.audience = params.audience;
  if (t.refresh_token) c.refresh_token = t.refresh_token;
  const claims = unverifiedClaims(t.id_token) ?? unverifiedClaims(t.access_token);
  const who = claims?.preferred_username ?? claims?.email ?? claims?.sub;
  if (typeof who === 'string') c.subject = who.slice(0, 200);
  const file = saveCredentials(c, io.env);
  io.err(`logged in to ${issuer}${c.subject ? ` as ${c.subject}` : ''} in ${Math.round((now - started) / 1000)} s; stored in ${file} (mode 0600)\n`);
  if (!t.refresh_token) io.err(`warning: ${issuer} gave no refresh token (scope offline_access?): \`warden token\` works until ${new Date(c.expires_at).toISOString()}, then run \`warden login\` again\n`);
  return 0;
}

export async function logoutCommand(io: LoginIO): Promise<number> {
  let c;
  try {
    c = loadCredentials(io.env);
  } catch {
    c = undefined; // an unreadable file is removed all the same
  }
  // Revoke at the IdP so a copy of the file is worth nothing; best effort, the file goes anyway.
  if (c?.kind === 'oidc' && c.refresh_token && c.revocation_endpoint) {
    try {
      await postForm(c.revocation_endpoint, { token: c.refresh_token, token_type_hint: 'refresh_token', client_id: c.client_id }, 'revoking the refresh token');
      io.err(`revoked the refresh token at ${c.issuer}\n`);
    } catch (e) {
      io.err(`warning: could not revoke the refresh token at ${c.issuer} (${(e as Error).message}); it stays valid there until it expires\n`);
    }
  }
  const removed = removeCredentials(io.env);
  io.err(removed ? `logged out: removed the stored credential from ${loginDir(io.env)}\n` : 'not logged in: nothing to remove\n');
  return 0;
}
