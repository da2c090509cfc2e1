import { WardenError } from '../core/errors.js';
import type { Consumer, KeyInfo } from '../core/exchange.js';
import type { Store, StoredKey } from '../store/types.js';
import { digestsEqual, hashKey } from './keys.js';
import type { OidcIssuerConfig } from './oidc/config.js';
import { OidcVerifier, type OidcPrincipal, type VerifierOptions } from './oidc/verifier.js';
import { StoreMemo } from './store-memo.js';

export interface Identified {
  key: KeyInfo;
  consumer: Consumer;
  /** Set when the credential was an OIDC access token: who issued it, for whom (never the token). */
  principal?: { issuer: string; subject: string };
  /**
   * When Warden stops accepting this credential (ms since epoch): an OIDC token's `exp` plus the
   * issuer's clock skew, a key's expiry. Absent: no end. A door holding a session open on this
   * credential ends the session then (the PostgreSQL door).
   */
  expiresAt?: number;
}

/** RFC 6750 §3: a refused bearer token is answered with a `WWW-Authenticate: Bearer` challenge. */
function withBearerChallenge(e: unknown): unknown {
  if (!(e instanceof WardenError) || e.status !== 401) return e;
  const description = e.message.replace(/["\\\x00-\x1f\x7f-\uffff]/g, ' ').slice(0, 200);
  return new WardenError(e.code, e.message, { headers: { ...e.headers, 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` }, rule: e.rule, cause: e.cause });
}

/** What a token's principal becomes, with the consumer set it was checked against (made once, rechecked when that set changes). */
interface CheckedPrincipal {
  id: Identified;
  consumers: ReadonlyMap<string, Consumer>;
  storeVersion: number;
}

/**
 * Resolves a credential to its key and consumer. Keys are cached by hash; the cache is
 * dropped whenever the store changes (the CLI revoking a key in another process counts),
 * so revocation takes effect on the next request.
 */
export class Identity {
  private readonly keys = new StoreMemo<StoredKey>(() => this.store.version());
  /** Store consumers by name, dropped with the keys whenever the store changes. */
  private readonly consumers = new StoreMemo<Consumer>(() => this.store.version());
  private lastUsed = new Map<string, number>();
  private configConsumers: Map<string, Consumer>;
  private oidc: OidcVerifier | undefined;
  private oidcConfigText = '[]';
  private checkedPrincipals = new WeakMap<OidcPrincipal, CheckedPrincipal>();

  constructor(
    private readonly store: Store,
    consumers: readonly Consumer[],
  ) {
    this.configConsumers = new Map(consumers.map((c) => [c.name, c]));
  }

  /** Config consumers are replaced on reload; store consumers are read live. */
  setConfigConsumers(consumers: readonly Consumer[]): void {
    this.configConsumers = new Map(consumers.map((c) => [c.name, c]));
  }

  /**
   * Installs the trusted OIDC issuers (on start and on every reload). An unchanged list keeps
   * the verifier, so its JWKS and verified-token caches survive a reload. Returns the new
   * verifier when one was made (the caller may warm it), else undefined.
   */
  setOidcIssuers(issuers: readonly OidcIssuerConfig[], opts: VerifierOptions = {}): OidcVerifier | undefined {
    const text = JSON.stringify(issuers);
    if (text === this.oidcConfigText) return undefined;
    this.oidcConfigText = text;
    this.oidc = issuers.length ? new OidcVerifier(issuers, opts) : undefined;
    return this.oidc;
  }

  get oidcVerifier(): OidcVerifier | undefined {
    return this.oidc;
  }

  /**
   * Store consumers are cached like keys (a SQLite read per request was a tenth of a key
   * lookup's cost): the cache goes whenever the store's version moves, so a consumer deleted
   * or changed here applies to the next request, and one changed by another process (the
   * CLI) within the store's version poll, as for a revoked key.
   */
  consumer(name: string): Consumer | undefined {
    const c = this.configConsumers.get(name);
    if (c) return c;
    const found = this.consumers.get(name, () => {
      const s = this.store.getConsumer(name);
      return s ? { name: s.name, groups: s.groups, labels: s.labels, models: s.models } : null;
    });
    return found ?? undefined;
  }

  /**
   * The one entry point of every door: a Warden key (sync, as fast as ever) or an OIDC access
   * token (a promise on first sight, sync once verified and cached). A credential shaped like a
   * JWT is only ever judged as a token: a forged or broken one never falls through to the keys.
   * Doors: `const r = identity.authenticate(c); const who = r instanceof Promise ? await r : r;`.
   */
  authenticate(credential: string | undefined, now = Date.now()): Identified | Promise<Identified> {
    if (!credential) throw new WardenError('WARDEN_E_AUTH_MISSING', 'missing API key: send a Warden virtual key in the Authorization: Bearer, x-api-key or apikey header');
    // Warden keys start with `wdn_`; a JWT's header always starts with `eyJ` ('{"'). Anything
    // starting so is judged as a token only, so a broken one never reaches the key store.
    if (credential.charCodeAt(0) === 101 /* e */ && credential.startsWith('eyJ')) return this.authenticateToken(credential, now);
    return this.authenticateKey(credential, now);
  }

  /** An OIDC access token only (for doors where a key makes no sense, e.g. MCP OAuth). */
  authenticateToken(token: string, now = Date.now()): Identified | Promise<Identified> {
    if (!this.oidc) throw new WardenError('WARDEN_E_TOKEN_ISSUER', 'the credential is a JWT but no identity.oidc issuer is configured; send a Warden virtual key or configure the IdP');
    let p: ReturnType<OidcVerifier['verify']>;
    try {
      p = this.oidc.verify(token, now);
    } catch (e) {
      throw withBearerChallenge(e);
    }
    if (!(p instanceof Promise)) {
      try {
        return this.identifiedFrom(p);
      } catch (e) {
        throw withBearerChallenge(e);
      }
    }
    return p.then((v) => this.identifiedFrom(v)).catch((e: unknown) => Promise.reject(withBearerChallenge(e)));
  }

  /**
   * A token's consumer is made from its claims alone. One named like a consumer of the config or
   * the store would take that consumer's name-bound policies, ACL entries and limits (threat: a
   * user of the IdP picking the username `prod-bot`), so it is refused, fail closed.
   */
  private identifiedFrom(p: OidcPrincipal): Identified {
    const storeVersion = this.store.version();
    const checked = this.checkedPrincipals.get(p);
    if (checked && checked.consumers === this.configConsumers && checked.storeVersion === storeVersion) return checked.id;
    if (this.consumer(p.name)) {
      throw new WardenError('WARDEN_E_TOKEN_CLAIMS', `the token's consumer name "${p.name}" is already a consumer of this Warden (config or store); a token may not take its policies and limits: set identity.oidc[].consumer_prefix for ${p.issuer}`);
    }
    const id = checked?.id ?? {
      key: { id: p.keyId, consumer: p.name, models: [] },
      consumer: { name: p.name, groups: p.groups, labels: p.labels, models: p.models },
      principal: { issuer: p.issuer, subject: p.subject },
      expiresAt: p.acceptedUntil,
    };
    this.checkedPrincipals.set(p, { id, consumers: this.configConsumers, storeVersion });
    return id;
  }

  /** A Warden virtual key only; always synchronous. */
  authenticateKey(credential: string, now = Date.now()): Identified {
    const hash = hashKey(credential);
    const stored = this.keys.get(hash, () => this.store.getKeyByHash(hash) ?? null);
    // The lookup is by hash; the explicit constant-time compare keeps the check honest
    // if the lookup ever changes to a prefix or id (threat: timing side channel).
    if (!stored || !digestsEqual(stored.hash, hash)) throw new WardenError('WARDEN_E_AUTH_INVALID', 'invalid API key: this is not a Warden key known to this gateway');
    const consumer = this.standing(stored, now);
    if (consumer instanceof WardenError) throw consumer;
    this.lastUsed.set(stored.id, now);
    const who: Identified = { key: { id: stored.id, consumer: stored.consumer, models: stored.models }, consumer };
    if (stored.expiresAt !== null) who.expiresAt = stored.expiresAt;
    return who;
  }

  /** The key's consumer when the key is accepted at `now`, else why not. */
  private standing(stored: StoredKey, now: number): Consumer | WardenError {
    if (stored.revokedAt !== null && stored.revokedAt <= now) return new WardenError('WARDEN_E_AUTH_REVOKED', `API key ${stored.id} was revoked; ask your Warden administrator for a new key`);
    if (stored.expiresAt !== null && stored.expiresAt <= now) return new WardenError('WARDEN_E_AUTH_EXPIRED', `API key ${stored.id} expired at ${new Date(stored.expiresAt).toISOString()}; rotate it with \`warden keys rotate ${stored.id}\``);
    return this.consumer(stored.consumer) ?? new WardenError('WARDEN_E_AUTH_CONSUMER_UNKNOWN', `API key ${stored.id} belongs to consumer "${stored.consumer}", which does not exist`);
  }

  /** Writes last-used times collected since the previous flush (called on a timer). */
  flushLastUsed(): void {
    if (!this.lastUsed.size) return;
    const batch = this.lastUsed;
    this.lastUsed = new Map();
    this.store.touchKeys(batch);
  }
}
