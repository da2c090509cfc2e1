import { WardenError } from '../core/errors.js';
import type { Consumer, KeyInfo } from '../core/exchange.js';
import type { Store, StoredKey } from '../store/types.js';
import { digestsEqual, hashKey } from './keys.js';

export interface Identified {
  key: KeyInfo;
  consumer: Consumer;
}

/**
 * Resolves a credential to its key and consumer. Keys are cached by hash; the cache is
 * dropped whenever the store changes (the CLI revoking a key in another process counts),
 * so revocation takes effect on the next request.
 */
export class Identity {
  private keyCache = new Map<string, StoredKey | null>();
  private cachedVersion = -1;
  private lastUsed = new Map<string, number>();
  private configConsumers: Map<string, Consumer>;

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

  consumer(name: string): Consumer | undefined {
    const c = this.configConsumers.get(name);
    if (c) return c;
    const s = this.store.getConsumer(name);
    return s && { name: s.name, groups: s.groups, labels: s.labels, models: s.models };
  }

  authenticate(credential: string | undefined, now = Date.now()): Identified {
    if (!credential) throw new WardenError('WARDEN_E_AUTH_MISSING', 'missing API key: send a Warden virtual key in the Authorization: Bearer, x-api-key or apikey header');
    const hash = hashKey(credential);
    const version = this.store.version();
    if (version !== this.cachedVersion) {
      this.keyCache.clear();
      this.cachedVersion = version;
    }
    let stored = this.keyCache.get(hash);
    if (stored === undefined) {
      stored = this.store.getKeyByHash(hash) ?? null;
      if (this.keyCache.size > 100_000) this.keyCache.clear();
      this.keyCache.set(hash, stored);
    }
    // The lookup is by hash; the explicit constant-time compare keeps the check honest
    // if the lookup ever changes to a prefix or id (threat: timing side channel).
    if (!stored || !digestsEqual(stored.hash, hash)) throw new WardenError('WARDEN_E_AUTH_INVALID', 'invalid API key: this is not a Warden key known to this gateway');
    if (stored.revokedAt !== null && stored.revokedAt <= now) throw new WardenError('WARDEN_E_AUTH_REVOKED', `API key ${stored.id} was revoked; ask your Warden administrator for a new key`);
    if (stored.expiresAt !== null && stored.expiresAt <= now) throw new WardenError('WARDEN_E_AUTH_EXPIRED', `API key ${stored.id} expired at ${new Date(stored.expiresAt).toISOString()}; rotate it with \`warden keys rotate ${stored.id}\``);
    const consumer = this.consumer(stored.consumer);
    if (!consumer) throw new WardenError('WARDEN_E_AUTH_CONSUMER_UNKNOWN', `API key ${stored.id} belongs to consumer "${stored.consumer}", which does not exist`);
    this.lastUsed.set(stored.id, now);
    return { key: { id: stored.id, consumer: stored.consumer, models: stored.models }, consumer };
  }

  /** Writes last-used times collected since the previous flush (called on a timer). */
  flushLastUsed(): void {
    if (!this.lastUsed.size) return;
    const batch = this.lastUsed;
    this.lastUsed = new Map();
    this.store.touchKeys(batch);
  }
}
