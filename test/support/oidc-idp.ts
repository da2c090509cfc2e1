/**
 * A real OpenID Provider for tests: `oidc-provider` (the certified Node implementation)
 * on 127.0.0.1:0, in this process. Access tokens are JWTs (resource indicators: `aud` is a
 * resource such as https://warden.test) carrying `groups` and `realm_access.roles`.
 *
 * Tokens come from the provider's own grant and token models (mintAccessToken), its token
 * endpoint (clientCredentialsToken, device and code flows of the public client
 * `warden-cli`); only the `forge*` helpers hand-make tokens, on purpose, as attacks.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

export const DEFAULT_RESOURCE = 'https://warden.test';
export const CLI_CLIENT_ID = 'warden-cli';
export const CI_CLIENT_ID = 'warden-ci';
export const CI_CLIENT_SECRET = 'warden-ci-secret-for-tests-only-0123456789';

export interface IdpAccount {
  email?: string;
  name?: string;
  groups: string[];
  /** Keycloak-style roles, emitted as `realm_access.roles`. */
  roles?: string[];
}

export const DEFAULT_ACCOUNTS: Record<string, IdpAccount> = {
  alice: { email: 'alice@example.test', name: 'Alice Reader', groups: ['data-reader'], roles: ['reader'] },
  bob: { email: 'bob@example.test', name: 'Bob Writer', groups: ['data-writer'], roles: ['writer'] },
  carol: { email: 'carol@example.test', name: 'Carol Approver', groups: ['approver'], roles: ['approver'] },
  dave: { email: 'dave@example.test', name: 'Dave Admin', groups: ['admin'], roles: ['admin'] },
  erin: { email: 'erin@example.test', name: 'Erin Auditor', groups: ['auditor'], roles: ['auditor'] },
  frank: { email: 'frank@example.test', name: 'Frank Nobody', groups: [], roles: [] },
};

export type SigningAlg = 'RS256' | 'ES256';

export interface IdpOptions {
  /** Access token lifetime in seconds (default 300). */
  accessTokenTtl?: number;
  /** Resources (audiences) the provider issues tokens for (default [DEFAULT_RESOURCE]). */
  resources?: string[];
  accounts?: Record<string, IdpAccount>;
  /** Groups of the confidential client `warden-ci` (client_credentials tokens). */
  ciGroups?: string[];
  /** Algorithm of access tokens when the request does not choose (default RS256). */
  defaultAlg?: SigningAlg;
  /** Port on 127.0.0.1 (default 0: a free one; examples/oidc uses a fixed one). */
  port?: number;
}

export interface MintOptions {
  resource?: string;
  alg?: SigningAlg;
  /** Lifetime in seconds (default: the provider's access token TTL). */
  ttl?: number;
  scope?: string;
  /** Overrides of time claims, in seconds relative to now (e.g. { exp: -60 }, { nbf: 3600 }). */
  times?: { exp?: number; nbf?: number; iat?: number };
}

export interface TestIdp {
  issuer: string;
  jwksUri: string;
  /** Number of requests each path received (e.g. hits['/jwks']). */
  hits: Record<string, number>;
  accounts: Record<string, IdpAccount>;
  mintAccessToken(account: string, opts?: MintOptions): Promise<string>;
  /** client_credentials over the real token endpoint (confidential client `warden-ci`). */
  clientCredentialsToken(opts?: { resource?: string; scope?: string }): Promise<string>;
  /** Completes a device authorization for `account` as if the user approved it in a browser. */
  approveDevice(userCode: string, account: string): Promise<void>;
  /**
   * Follows an authorization URL as a browser would, logging `account` in (auto-consent),
   * and returns the final redirect URL (with `code`) without requesting it.
   */
  authorize(authorizationUrl: string, account: string): Promise<string>;
  /** New RS256 + ES256 keys with new kids; `keepOld` keeps the old ones in the JWKS. */
  rotateKeys(opts?: { keepOld?: boolean }): Promise<{ kids: string[] }>;
  /** Current signing kids, newest first. */
  kids(): string[];
  /** Makes the IdP unreachable (connections reset) until resume(). */
  pause(): void;
  resume(): void;
  forge: Forgery;
  stop(): Promise<void>;
}

interface KeyPair { kid: string; alg: SigningAlg; privateJwk: JWK; publicJwk: JWK; privateKey: CryptoKey }

async function newKey(alg: SigningAlg): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateJwk, publicJwk, privateKey: privateKey as CryptoKey };
}

/** A Map adapter per IdP (the bundled memory adapter is one LRU shared by every instance). */
function mapAdapter() {
  const store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  const get = (k: string) => {
    const e = store.get(k);
    if (!e) return undefined;
    if (e.expiresAt < Date.now()) { store.delete(k); return undefined; }
    return e.payload;
  };
  return class MapAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) { return `${this.model}:${id}`; }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
      const expiresAt = Date.now() + (expiresIn ? expiresIn * 1000 : 86_400_000);
      store.set(this.key(id), { payload, expiresAt });
      if (typeof payload.userCode === 'string') store.set(`userCode:${payload.userCode}`, { payload: { id }, expiresAt });
      if (typeof payload.uid === 'string') store.set(`uid:${payload.uid}`, { payload: { id }, expiresAt });
      if (typeof payload.grantId === 'string') {
        const g = get(`grant:${payload.grantId}`) as { keys: string[] } | undefined;
        if (g) g.keys.push(this.key(id));
        else store.set(`grant:${payload.grantId}`, { payload: { keys: [this.key(id)] }, expiresAt: Date.now() + 86_400_000 });
      }
    }
    async find(id: string) { return get(this.key(id)); }
    async findByUserCode(code: string) { const r = get(`userCode:${code}`); return r && get(this.key(r.id as string)); }
    async findByUid(uid: string) { const r = get(`uid:${uid}`); return r && get(this.key(r.id as string)); }
    async consume(id: string) { const p = get(this.key(id)); if (p) p.consumed = Math.floor(Date.now() / 1000); }
    async destroy(id: string) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId: string) {
      const g = get(`grant:${grantId}`) as { keys: string[] } | undefined;
      for (const k of g?.keys ?? []) store.delete(k);
      store.delete(`grant:${grantId}`);
    }
  };
}

export async function startTestIdp(options: IdpOptions = {}): Promise<TestIdp> {
  const accounts = options.accounts ?? DEFAULT_ACCOUNTS;
  const resources = options.resources ?? [DEFAULT_RESOURCE];
  const accessTokenTtl = options.accessTokenTtl ?? 300;
  const defaultAlg = options.defaultAlg ?? 'RS256';
  const hits: Record<string, number> = {};
  const sockets = new Set<Socket>();
  let paused = false;
  let keys: KeyPair[] = [await newKey('RS256'), await newKey('ES256')];
  /** Time-claim overrides by grant id, applied by the provider's own JWT customizer. */
  const timeOverrides = new Map<string, NonNullable<MintOptions['times']>>();
  const Adapter = mapAdapter();

  let provider: Provider | undefined;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits[path] = (hits[path] ?? 0) + 1;
    if (paused) { req.socket.destroy(); return; }
    if (path.startsWith('/interaction/')) { void finishInteraction(req, res); return; }
    handler!(req, res);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('clientError', (_e, s) => s.destroy());
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(options.port ?? 0, '127.0.0.1', resolve); });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function claimsOf(accountId: string): Record<string, unknown> {
    const a = accounts[accountId];
    if (!a) return {};
    return { groups: a.groups, realm_access: { roles: a.roles ?? [] }, email: a.email, name: a.name, preferred_username: accountId };
  }

  function resourceServerInfo(resource: string, alg: SigningAlg = defaultAlg, ttl = accessTokenTtl) {
    return { scope: 'api', audience: resource, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
  }

  function build(): Provider {
    const p = new Provider(issuer, {
      adapter: Adapter as never,
      jwks: { keys: keys.map((k) => k.privateJwk) as never },
      cookies: { keys: ['oidc-idp-test-cookie-key'] },
      clients: [
        {
          client_id: CLI_CLIENT_ID,
          token_endpoint_auth_method: 'none',
          application_type: 'native',
          grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
        },
        {
          client_id: CI_CLIENT_ID,
          client_secret: CI_CLIENT_SECRET,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
      ],
      scopes: ['openid', 'offline_access', 'profile', 'email'],
      claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
      findAccount: async (_ctx, id) => (accounts[id] ? { accountId: id, claims: async () => ({ sub: id, ...claimsOf(id) }) } : undefined),
      extraTokenClaims: async (_ctx, token) => {
        const t = token as { accountId?: string; clientId?: string };
        if (t.accountId) return claimsOf(t.accountId);
        if (t.clientId === CI_CLIENT_ID) return { groups: options.ciGroups ?? ['ci'], realm_access: { roles: ['ci'] } };
        return undefined;
      },
      formats: {
        customizers: {
          jwt: async (_ctx, token, jwt) => {
            const grantId = (token as { grantId?: string }).grantId ?? '';
            const t = timeOverrides.get(grantId);
            if (!t) return;
            timeOverrides.delete(grantId);
            const now = Math.floor(Date.now() / 1000);
            if (t.exp !== undefined) jwt.payload.exp = now + t.exp;
            if (t.iat !== undefined) jwt.payload.iat = now + t.iat;
            if (t.nbf !== undefined) jwt.payload.nbf = now + t.nbf;
          },
        },
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      pkce: { required: () => true },
      ttl: {
        AccessToken: accessTokenTtl, ClientCredentials: accessTokenTtl, DeviceCode: 600, Grant: 86_400,
        IdToken: 3600, Interaction: 600, RefreshToken: 86_400, Session: 86_400, AuthorizationCode: 60,
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      features: {
        devInteractions: { enabled: false },
        deviceFlow: { enabled: true },
        clientCredentials: { enabled: true },
        revocation: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => resources[0]!,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => {
            if (!resources.includes(resource)) throw new Provider.errors.InvalidTarget(`unknown resource ${resource}`);
            return resourceServerInfo(resource) as never;
          },
        },
      },
    });
    return p;
  }

  function install(p: Provider) {
    provider = p;
    const cb = p.callback();
    handler = (req, res) => cb(req, res);
  }
  install(build());

  async function grantFor(accountId: string, clientId: string, resource: string, scope: string, requested = 'openid offline_access profile email'): Promise<string> {
    const grant = new provider!.Grant({ accountId, clientId });
    const oidc = requested.split(' ').filter((s) => ['openid', 'offline_access', 'profile', 'email'].includes(s));
    if (oidc.length) grant.addOIDCScope(oidc.join(' '));
    grant.addResourceScope(resource, scope);
    return grant.save();
  }

  /** Interaction endpoint: logs in the account named by login_hint (or the pending one), consents to all. */
  let pendingLogin: string | undefined;
  async function finishInteraction(req: IncomingMessage, res: ServerResponse) {
    try {
      const details = await provider!.interactionDetails(req, res);
      const params = details.params as Record<string, string | undefined>;
      const accountId = params.login_hint ?? pendingLogin;
      if (!accountId || !accounts[accountId]) throw new Error(`no account to log in (login_hint=${params.login_hint ?? ''})`);
      const resource = params.resource ?? resources[0]!;
      const grantId = await grantFor(accountId, params.client_id!, resource, 'api', params.scope);
      await provider!.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.statusCode = 400;
      res.end(`interaction failed: ${(err as Error).message}`);
    }
  }

  const idp: TestIdp = {
    issuer,
    jwksUri: `${issuer}/jwks`,
    hits,
    accounts,
    async mintAccessToken(account, opts = {}) {
      if (!accounts[account]) throw new Error(`unknown test account ${account}`);
      const resource = opts.resource ?? resources[0]!;
      const client = await provider!.Client.find(CLI_CLIENT_ID);
      const grantId = await grantFor(account, CLI_CLIENT_ID, resource, opts.scope ?? 'api');
      const rs = new provider!.ResourceServer(resource, resourceServerInfo(resource, opts.alg, opts.ttl));
      const at = new provider!.AccessToken({ accountId: account, client, grantId, scope: opts.scope ?? 'api', resourceServer: rs, gty: 'authorization_code' } as never);
      if (opts.times) timeOverrides.set(grantId, opts.times);
      return at.save();
    },
    async clientCredentialsToken(opts = {}) {
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource: opts.resource ?? resources[0]!, scope: opts.scope ?? 'api' });
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${CI_CLIENT_ID}:${CI_CLIENT_SECRET}`).toString('base64')}` },
        body,
      });
      const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!json.access_token) throw new Error(`client_credentials failed: ${json.error}: ${json.error_description}`);
      return json.access_token;
    },
    async approveDevice(userCode, account) {
      if (!accounts[account]) throw new Error(`unknown test account ${account}`);
      const normalized = userCode.replace(/[^A-Za-z]/g, '').toUpperCase();
      const code = await provider!.DeviceCode.findByUserCode(normalized);
      if (!code) throw new Error(`no pending device authorization for user code ${userCode}`);
      const params = code.params as Record<string, string | undefined>;
      const resource = params.resource ?? resources[0]!;
      code.accountId = account;
      code.grantId = await grantFor(account, code.clientId, resource, 'api');
      code.authTime = Math.floor(Date.now() / 1000);
      code.scope = params.scope ?? 'openid';
      code.resource = resource;
      await code.save();
    },
    async authorize(authorizationUrl, account) {
      const jar = new Map<string, string>();
      let url = authorizationUrl;
      pendingLogin = account;
      try {
        for (let i = 0; i < 10; i++) {
          if (!url.startsWith(issuer)) return url;
          const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
          for (const c of res.headers.getSetCookie()) {
            const [pair] = c.split(';');
            const eq = pair!.indexOf('=');
            jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
          }
          const location = res.headers.get('location');
          if (!location) throw new Error(`authorization stopped at ${url} with HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
          await res.arrayBuffer();
          url = new URL(location, url).href;
        }
        throw new Error('authorization did not finish in 10 redirects');
      } finally {
        pendingLogin = undefined;
      }
    },
    async rotateKeys(opts = {}) {
      const fresh = [await newKey('RS256'), await newKey('ES256')];
      keys = opts.keepOld ? [...fresh, ...keys] : fresh;
      install(build());
      return { kids: fresh.map((k) => k.kid) };
    },
    kids: () => keys.map((k) => k.kid),
    pause() { paused = true; for (const s of sockets) s.destroy(); },
    resume() { paused = false; },
    forge: forgery(issuer, () => keys, resources[0]!),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return idp;
}

export interface Forgery {
  /** Header `alg: none`, no signature (the classic downgrade). */
  algNone(claims: Record<string, unknown>): string;
  /** HS256 with the issuer's PUBLIC key as the HMAC secret (key-confusion attack). */
  hs256WithPublicKey(claims: Record<string, unknown>): Promise<string>;
  /** A real token with its payload altered and the signature kept. */
  tamper(token: string, change: Record<string, unknown>): string;
  /** Signed with a fresh key the issuer never published, under a kid it does not have. */
  unknownKid(claims: Record<string, unknown>): Promise<string>;
  /** Signed with a fresh key but claiming one of the issuer's real kids. */
  wrongKeyRealKid(claims: Record<string, unknown>): Promise<string>;
  /**
   * Signed with the issuer's REAL current key, header and claims as given: for checks the
   * provider would never let one fail (an ID-token `typ`, a missing `sub`...).
   */
  signedByIssuer(claims: Record<string, unknown>, header?: Record<string, unknown>, alg?: SigningAlg): Promise<string>;
  /** Claims a real token of this issuer would carry (iss, aud, sub, exp...), for the forgeries. */
  claims(account: string, extra?: Record<string, unknown>): Record<string, unknown>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function forgery(issuer: string, keys: () => KeyPair[], resource: string): Forgery {
  return {
    algNone(claims) {
      return `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`;
    },
    async hs256WithPublicKey(claims) {
      const rsa = keys().find((k) => k.alg === 'RS256')!;
      const { createPublicKey } = await import('node:crypto');
      const pem = createPublicKey({ key: rsa.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: rsa.kid }).sign(new TextEncoder().encode(String(pem)));
    },
    tamper(token, change) {
      const [h, p, s] = token.split('.');
      const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), ...change };
      return `${h}.${b64(payload)}.${s}`;
    },
    async unknownKid(claims) {
      const k = await newKey('RS256');
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: k.kid }).sign(k.privateKey);
    },
    async wrongKeyRealKid(claims) {
      const k = await newKey('RS256');
      const real = keys().find((x) => x.alg === 'RS256')!;
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: real.kid }).sign(k.privateKey);
    },
    async signedByIssuer(claims, header = {}, alg = 'RS256') {
      const k = keys().find((x) => x.alg === alg)!;
      return new SignJWT(claims).setProtectedHeader({ alg, kid: k.kid, ...header }).sign(k.privateKey);
    },
    claims(account, extra = {}) {
      const now = Math.floor(Date.now() / 1000);
      return { iss: issuer, aud: resource, sub: account, iat: now, exp: now + 300, jti: randomUUID(), client_id: CLI_CLIENT_ID, groups: ['admin'], ...extra };
    },
  };
}
