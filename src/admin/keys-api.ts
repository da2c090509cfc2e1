import { WardenError } from '../core/errors.js';
import { createKey, rotateKey } from '../identity/admin.js';
import type { Store, StoredKey } from '../store/types.js';

/** A key as the admin API and CLI show it: never the hash, never the key. */
export function publicKey(k: StoredKey) {
  return {
    id: k.id, consumer: k.consumer, name: k.name, hint: k.hint, models: k.models,
    created_at: iso(k.createdAt), expires_at: iso(k.expiresAt), revoked_at: iso(k.revokedAt), last_used_at: iso(k.lastUsedAt), rotated_from: k.rotatedFrom,
  };
}
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

const DURATION = /^(\d+)\s*(s|m|h|d)$/;
export function parseDuration(s: string, field: string): number {
  const m = DURATION.exec(s.trim());
  if (!m) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `${field}: expected a duration like 30d, 12h, 15m or 60s`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export interface CreateKeyInput {
  consumer?: unknown;
  name?: unknown;
  models?: unknown;
  expires_in?: unknown;
}

export function createKeyFromInput(store: Store, input: CreateKeyInput, consumerExists: (n: string) => boolean) {
  if (typeof input.consumer !== 'string' || !input.consumer) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'consumer: required (the consumer name this key identifies)');
  if (!consumerExists(input.consumer)) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `consumer: "${input.consumer}" does not exist; create it first`);
  if (input.name !== undefined && typeof input.name !== 'string') throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'name: must be a string');
  if (input.models !== undefined && !(Array.isArray(input.models) && input.models.every((m) => typeof m === 'string' && m))) {
    throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'models: must be an array of model names or globs');
  }
  if (input.expires_in !== undefined && typeof input.expires_in !== 'string') throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'expires_in: must be a duration string like 30d');
  const expiresAt = input.expires_in ? Date.now() + parseDuration(input.expires_in as string, 'expires_in') : null;
  return createKey(store, { consumer: input.consumer, name: (input.name as string) ?? '', models: (input.models as string[]) ?? [], expiresAt });
}

export function rotateKeyById(store: Store, id: string, grace: string | undefined) {
  const graceMs = grace ? parseDuration(grace, 'grace') : 0;
  const created = rotateKey(store, id, graceMs);
  if (!created) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `key ${id} does not exist or is already revoked`);
  return created;
}
