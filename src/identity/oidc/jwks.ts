/**
 * One issuer's signing keys: discovery, then the JWKS, cached by `kid`. An unknown `kid`
 * triggers a refresh (at most one per `jwks_refresh_min_seconds`, shared by concurrent
 * callers); a failed fetch keeps the keys already held, so an unreachable IdP does not stop
 * tokens signed with known keys, while unknown kids fail closed.
 */
import { importJWK, type JWK } from 'jose';
import { WardenError } from '../../core/errors.js';
import { isHttpsOrLoopback, type OidcIssuerConfig } from './config.js';

/** A JWKS larger than this is refused (threat: memory exhaustion by a hostile or broken IdP). */
const MAX_JWKS_BYTES = 512 * 1024;
const MAX_KEYS = 100;

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

interface HeldKey {
  kid: string | undefined;
  kty: string;
  crv: string | undefined;
  /** The JWK's own `alg`, when it pins one. */
  alg: string | undefined;
  byAlg: Map<string, Promise<VerifyKey>>;
  jwk: JWK;
}

/** Which key types can carry which JWS algorithm (RFC 7518 §3.1, RFC 8037). */
function ktyFits(alg: string, key: HeldKey): boolean {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return key.kty === 'RSA';
  if (alg === 'ES256') return key.kty === 'EC' && key.crv === 'P-256';
  if (alg === 'ES384') return key.kty === 'EC' && key.crv === 'P-384';
  if (alg === 'ES512') return key.kty === 'EC' && key.crv === 'P-521';
  if (alg === 'EdDSA' || alg === 'Ed25519') return key.kty === 'OKP' && (key.crv === 'Ed25519' || key.crv === 'Ed448');
  return false;
}

export interface FetchLike {
  (url: string, init: { signal: AbortSignal; headers: Record<string, string> }): Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
}

async function getJson(fetchImpl: FetchLike, url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
  const text = await res.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error(`answer from ${url} is larger than ${MAX_JWKS_BYTES} bytes`);
  return JSON.parse(text) as unknown;
}

export class IssuerKeys {
  private keys: HeldKey[] = [];
  private fetchedAt = 0;
  private lastAttempt = -Infinity;
  private inflight: Promise<void> | undefined;
  private jwksUri: string | undefined;
  /** Why the last fetch failed, for the error a client gets (never includes a token). */
  lastError: string | undefined;

  constructor(
    private readonly cfg: OidcIssuerConfig,
    private readonly fetchImpl: FetchLike = fetch as unknown as FetchLike,
  ) {
    this.jwksUri = cfg.jwks_uri;
  }

  /** The key for this header; a refresh first when it is not held. */
  resolve(alg: string, kid: string | undefined, now = Date.now()): Promise<VerifyKey> {
    if (now - this.fetchedAt > this.cfg.jwks_max_age_seconds * 1000 && this.fetchedAt > 0) void this.refresh(now).catch(() => {});
    const held = this.find(alg, kid);
    if (held) return this.importFor(held, alg);
    return this.refresh(now).then(
      () => this.afterRefresh(alg, kid),
      () => this.afterRefresh(alg, kid),
    );
  }

  private afterRefresh(alg: string, kid: string | undefined): Promise<VerifyKey> {
    const held = this.find(alg, kid);
    if (held) return this.importFor(held, alg);
    const why = this.lastError ? `; the IdP could not be reached to refresh its keys (${this.lastError})` : '';
    const which = kid === undefined ? 'the token names no kid and no single key of the issuer fits' : `kid ${JSON.stringify(kid.slice(0, 64))} is not in the JWKS of ${this.cfg.issuer}`;
    throw new WardenError('WARDEN_E_TOKEN_KEY_UNKNOWN', `token signing key unknown: ${which}${why}`);
  }

  private find(alg: string, kid: string | undefined): HeldKey | undefined {
    if (kid !== undefined) {
      const k = this.keys.find((x) => x.kid === kid);
      // A key pinned to another algorithm, or of the wrong type, is no key for this token (RFC 8725 §3.1).
      return k && (k.alg === undefined || k.alg === alg) && ktyFits(alg, k) ? k : undefined;
    }
    const fits = this.keys.filter((x) => (x.alg === undefined || x.alg === alg) && ktyFits(alg, x));
    return fits.length === 1 ? fits[0] : undefined;
  }

  private importFor(held: HeldKey, alg: string): Promise<VerifyKey> {
    let p = held.byAlg.get(alg);
    if (!p) {
      p = importJWK(held.jwk, alg).catch(() => {
        throw new WardenError('WARDEN_E_TOKEN_KEY_UNKNOWN', `the JWKS of ${this.cfg.issuer} holds key ${JSON.stringify(held.kid ?? '')} but it cannot be used for ${alg}`);
      });
      held.byAlg.set(alg, p);
    }
    return p;
  }

  /** Fetches discovery (once) and the JWKS; rate-limited, one in flight at a time. */
  refresh(now = Date.now()): Promise<void> {
    if (this.inflight) return this.inflight;
    if (now - this.lastAttempt < this.cfg.jwks_refresh_min_seconds * 1000) return Promise.resolve();
    this.lastAttempt = now;
    this.inflight = this.load()
      .then(() => {
        this.lastError = undefined;
      })
      .catch((e: unknown) => {
        this.lastError = e instanceof Error ? e.message : String(e);
        throw e;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(): Promise<void> {
    const t = this.cfg.fetch_timeout_ms;
    if (!this.jwksUri) {
      const url = `${this.cfg.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const doc = (await getJson(this.fetchImpl, url, t)) as { issuer?: unknown; jwks_uri?: unknown };
      // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
      if (doc?.issuer !== this.cfg.issuer) throw new Error(`discovery document at ${url} names issuer ${JSON.stringify(String(doc?.issuer)).slice(0, 200)}, not ${this.cfg.issuer}`);
      if (typeof doc.jwks_uri !== 'string' || !isHttpsOrLoopback(doc.jwks_uri)) throw new Error(`discovery document at ${url} has no https jwks_uri`);
      this.jwksUri = doc.jwks_uri;
    }
    const jwks = (await getJson(this.fetchImpl, this.jwksUri, t)) as { keys?: unknown };
    if (!jwks || !Array.isArray(jwks.keys)) throw new Error(`${this.jwksUri} is not a JWKS (no keys array)`);
    const next: HeldKey[] = [];
    for (const k of jwks.keys.slice(0, MAX_KEYS) as JWK[]) {
      if (!k || typeof k !== 'object' || typeof k.kty !== 'string') continue;
      // Only public signing keys: a key marked for encryption, or a symmetric one, never verifies a token.
      if (k.use !== undefined && k.use !== 'sig') continue;
      if (k.kty === 'oct' || (k as { d?: unknown }).d !== undefined) continue;
      if (k.alg !== undefined && typeof k.alg !== 'string') continue;
      next.push({ kid: typeof k.kid === 'string' ? k.kid : undefined, kty: k.kty, crv: typeof k.crv === 'string' ? k.crv : undefined, alg: k.alg, byAlg: new Map(), jwk: k });
    }
    this.keys = next;
    this.fetchedAt = Date.now();
  }

  /** The kids currently held (for tests and diagnostics). */
  kids(): (string | undefined)[] {
    return this.keys.map((k) => k.kid);
  }
}
