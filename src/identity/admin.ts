import { generateKey, hashKey, keyHint, newKeyId } from './keys.js';
import type { Store, StoredKey } from '../store/types.js';

export interface CreatedKey {
  key: string;
  record: StoredKey;
}

export interface CreateKeyOptions {
  consumer: string;
  name?: string;
  models?: string[];
  /** Milliseconds since epoch, or null for no expiry. */
  expiresAt?: number | null;
  rotatedFrom?: string | null;
}

/** Creates a key and stores only its hash; the plain key is returned once, to be shown once. */
export function createKey(store: Store, opts: CreateKeyOptions): CreatedKey {
  const key = generateKey();
  const record: StoredKey = {
    id: newKeyId(),
    consumer: opts.consumer,
    hash: hashKey(key),
    hint: keyHint(key),
    name: opts.name ?? '',
    models: opts.models ?? [],
    createdAt: Date.now(),
    expiresAt: opts.expiresAt ?? null,
    revokedAt: null,
    lastUsedAt: null,
    rotatedFrom: opts.rotatedFrom ?? null,
  };
  store.insertKey(record);
  return { key, record };
}

/**
 * Rotation: a new key with the same consumer, name and scope; the old one stays valid for
 * `graceMs` so running agents can switch without an outage.
 */
export function rotateKey(store: Store, id: string, graceMs: number): CreatedKey | undefined {
  const old = store.getKey(id);
  if (!old || old.revokedAt !== null) return undefined;
  const created = createKey(store, { consumer: old.consumer, name: old.name, models: old.models, expiresAt: old.expiresAt, rotatedFrom: old.id });
  store.revokeKey(old.id, Date.now() + graceMs);
  return created;
}
