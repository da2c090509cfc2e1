/**
 * Verifies OIDC/JWT access tokens of the configured issuers and turns them into principals.
 * A verified token is remembered by its SHA-256 until its `exp`, so a repeat request costs
 * one hash and one map lookup and no promise; only the first sight pays for a signature.
 * The token itself is never logged, audited, nor put in an error message.
 */
import { createHash } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { WardenError } from '../../core/errors.js';
import { mapClaims } from './claims.js';
import type { OidcIssuerConfig } from './config.js';
import { IssuerKeys, type FetchLike, type ResolvedKey } from './jwks.js';
import { parseJwt, type ParsedJwt } from './parse.js';
import { TokenCache } from './token-cache.js';

export interface OidcPrincipal {
  issuer: string;
  subject: string;
  /** Consumer name: `consumer_prefix` + the `name_claim` value. */
  name: string;
  /** Consumer groups (after `group_map`). */
  groups: string[];
  /** The IdP's own groups as the token carries them. */
  idpGroups: string[];
  labels: Record<string, string>;
  /** Model globs of the issuer (`identity.oidc[].models`). */
  models: string[];
  /** ms since epoch (the token's `exp`). */
  expiresAt: number;
  /** ms since epoch: the last moment Warden accepts the token (`exp` plus the issuer's `clock_skew_seconds`). */
  acceptedUntil: number;
  /** A stable, non-secret id for limits and audit: `oidc_` + 16 hex of SHA-256(iss, sub). */
  keyId: string;
}

/** Cheap shape test: three base64url parts, a JSON-object header (`eyJ`). Never a Warden key. */
export function looksLikeJwt(credential: string): boolean {
  if (!credential.startsWith('eyJ')) return false;
  const a = credential.indexOf('.');
  return a > 0 && credential.indexOf('.', a + 1) > a && credential.indexOf('.', credential.indexOf('.', a + 1) + 1) === -1;
}

const ANY_TYP = new Set(['jwt', 'at+jwt']);
function normTyp(t: string): string {
  const l = t.toLowerCase();
  return l.startsWith('application/') ? l.slice(12) : l;
}

export interface VerifierOptions {
  fetch?: FetchLike;
  /** Most verified tokens remembered at once (default 10 000). */
  cacheSize?: number;
  /** Called after each discovery/JWKS load of an issuer, with the error when it failed. */
  onKeysLoaded?: (issuer: string, error: string | undefined) => void;
}

/** A verified token as cached: the principal and the key that verified it (a retired key voids the entry). */
interface Verified {
  principal: OidcPrincipal;
  key: ResolvedKey['held'];
  keys: ResolvedKey['keys'];
}

/** Longest `sub` accepted: it is written to every audit record and hashed into the limits key. */
const MAX_SUBJECT_LENGTH = 255;

interface Issuer {
  cfg: OidcIssuerConfig;
  keys: IssuerKeys;
}

export class OidcVerifier {
  private readonly issuers = new Map<string, Issuer>();
  private readonly cache: TokenCache<Verified>;
  /** First-sight verifications under way: a burst of requests with one new token pays one signature check. */
  private readonly inflight = new Map<string, Promise<OidcPrincipal>>();

  constructor(configs: readonly OidcIssuerConfig[], opts: VerifierOptions = {}) {
    for (const cfg of configs) this.issuers.set(cfg.issuer, { cfg, keys: new IssuerKeys(cfg, opts.fetch, opts.onKeysLoaded) });
    this.cache = new TokenCache(opts.cacheSize ?? 10_000);
  }

  get size(): number {
    return this.issuers.size;
  }

  /** Fetches every issuer's keys now, so the first token does not wait for discovery. Failures are reported, not thrown. */
  async warm(): Promise<{ issuer: string; error?: string }[]> {
    return Promise.all(
      [...this.issuers.values()].map((i) =>
        i.keys.refresh().then(
          () => ({ issuer: i.cfg.issuer }),
          (e: Error) => ({ issuer: i.cfg.issuer, error: e.message }),
        ),
      ),
    );
  }

  /** The principal of a token: sync when it was verified before and has not expired. */
  verify(token: string, now = Date.now()): OidcPrincipal | Promise<OidcPrincipal> {
    const digest = createHash('sha256').update(token).digest('base64');
    const hit = this.cache.get(digest, now);
    if (hit) {
      // Only cached tokens in use still keep the key set fresh, so a withdrawn key is noticed.
      hit.keys.refreshIfStale(now);
      if (!hit.key.retired) return hit.principal;
      this.cache.delete(digest);
    }
    const pending = this.inflight.get(digest);
    if (pending) return pending;
    const parsed = parseJwt(token);
    const issuer = this.precheck(parsed);
    const verifying = this.verifySlow(token, parsed, issuer, now)
      .then((v) => {
        this.cache.set(digest, v, v.principal.expiresAt, now);
        return v.principal;
      })
      .finally(() => this.inflight.delete(digest));
    this.inflight.set(digest, verifying);
    return verifying;
  }

  /** Checks that need no key: algorithm, issuer, typ. A forged token stops here without a JWKS fetch. */
  private precheck(t: ParsedJwt): Issuer {
    const alg = t.header.alg;
    if (typeof alg !== 'string') throw new WardenError('WARDEN_E_TOKEN_MALFORMED', 'token header has no "alg"');
    if (alg.toLowerCase() === 'none') throw new WardenError('WARDEN_E_TOKEN_ALG', 'token algorithm "none" (unsigned) is never accepted');
    if (/^HS/i.test(alg)) throw new WardenError('WARDEN_E_TOKEN_ALG', `token algorithm ${JSON.stringify(alg.slice(0, 16))} (HMAC) is never accepted: issuers sign with a private key`);
    const iss = t.payload.iss;
    if (typeof iss !== 'string') throw new WardenError('WARDEN_E_TOKEN_ISSUER', 'token has no "iss" claim');
    const issuer = this.issuers.get(iss);
    if (!issuer) throw new WardenError('WARDEN_E_TOKEN_ISSUER', `token issuer ${JSON.stringify(iss.slice(0, 200))} is not trusted (not one of identity.oidc[].issuer)`);
    if (!(issuer.cfg.algorithms as readonly string[]).includes(alg)) throw new WardenError('WARDEN_E_TOKEN_ALG', `token algorithm ${JSON.stringify(alg.slice(0, 16))} is not allowed for ${iss} (identity.oidc[].algorithms: ${issuer.cfg.algorithms.join(', ')})`);
    const typ = t.header.typ;
    if (issuer.cfg.typ !== undefined) {
      if (typeof typ !== 'string' || normTyp(typ) !== normTyp(issuer.cfg.typ)) throw new WardenError('WARDEN_E_TOKEN_CLAIMS', `token header typ must be ${issuer.cfg.typ} (identity.oidc[].typ for ${iss})`);
    } else if (typ !== undefined && (typeof typ !== 'string' || !ANY_TYP.has(normTyp(typ)))) {
      throw new WardenError('WARDEN_E_TOKEN_CLAIMS', `token header typ ${JSON.stringify(String(typ).slice(0, 32))} is not an access token (JWT or at+jwt)`);
    }
    return issuer;
  }

  private async verifySlow(token: string, t: ParsedJwt, issuer: Issuer, now: number): Promise<Verified> {
    const { cfg } = issuer;
    const kid = typeof t.header.kid === 'string' ? t.header.kid : undefined;
    const { key, held, keys } = await issuer.keys.resolve(t.header.alg as string, kid, now);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        issuer: cfg.issuer,
        audience: cfg.audience,
        algorithms: cfg.algorithms as unknown as string[],
        clockTolerance: cfg.clock_skew_seconds,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (e) {
      throw joseToWarden(e, cfg);
    }
    if (typeof payload.iat === 'number' && payload.iat * 1000 > now + cfg.clock_skew_seconds * 1000) throw new WardenError('WARDEN_E_TOKEN_NOT_YET_VALID', `token was issued in the future (iat) beyond identity.oidc[].clock_skew_seconds (${cfg.clock_skew_seconds})`);
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) throw new WardenError('WARDEN_E_TOKEN_CLAIMS', `token claim "sub" must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`);
    const mapped = mapClaims(cfg, payload);
    const principal: OidcPrincipal = {
      issuer: cfg.issuer,
      subject,
      name: mapped.name,
      groups: mapped.groups,
      idpGroups: mapped.idpGroups,
      labels: mapped.labels,
      models: cfg.models,
      expiresAt: (payload.exp as number) * 1000,
      acceptedUntil: ((payload.exp as number) + cfg.clock_skew_seconds) * 1000,
      keyId: `oidc_${createHash('sha256').update(`${cfg.issuer}\n${subject}`).digest('hex').slice(0, 16)}`,
    };
    return { principal, key: held, keys };
  }

  /** Kids held for an issuer (diagnostics and tests). */
  kids(issuer: string): (string | undefined)[] {
    return this.issuers.get(issuer)?.keys.kids() ?? [];
  }
}

function joseToWarden(e: unknown, cfg: OidcIssuerConfig): WardenError {
  if (e instanceof WardenError) return e;
  if (e instanceof joseErrors.JWTExpired) return new WardenError('WARDEN_E_TOKEN_EXPIRED', `token expired (exp) more than identity.oidc[].clock_skew_seconds (${cfg.clock_skew_seconds}) ago; get a fresh token`);
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'nbf':
      case 'iat':
        return new WardenError('WARDEN_E_TOKEN_NOT_YET_VALID', `token is not valid yet (${e.claim} is in the future beyond identity.oidc[].clock_skew_seconds = ${cfg.clock_skew_seconds})`);
      case 'aud':
        return new WardenError('WARDEN_E_TOKEN_AUDIENCE', `token audience (aud) is not one of identity.oidc[].audience for ${cfg.issuer}: ${cfg.audience.join(', ')}`);
      case 'iss':
        return new WardenError('WARDEN_E_TOKEN_ISSUER', `token issuer (iss) is not ${cfg.issuer}`);
      default:
        return new WardenError('WARDEN_E_TOKEN_CLAIMS', `token claim "${e.claim}" is missing or invalid (${e.reason})`);
    }
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return new WardenError('WARDEN_E_TOKEN_SIGNATURE', `token signature does not verify with the key of ${cfg.issuer}: the token was altered or forged`);
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new WardenError('WARDEN_E_TOKEN_ALG', `token algorithm is not allowed (identity.oidc[].algorithms: ${cfg.algorithms.join(', ')})`);
  if (e instanceof joseErrors.JOSENotSupported) return new WardenError('WARDEN_E_TOKEN_MALFORMED', `token uses an unsupported JOSE feature (${e.message.slice(0, 120)})`);
  if (e instanceof joseErrors.JOSEError) return new WardenError('WARDEN_E_TOKEN_MALFORMED', `token is malformed (${e.code})`);
  return new WardenError('WARDEN_E_INTERNAL', 'internal error verifying a token', { cause: e });
}
