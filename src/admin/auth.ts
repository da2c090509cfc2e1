import type { IncomingMessage } from 'node:http';
import { WardenError } from '../core/errors.js';
import { digestsEqual, hashKey } from '../identity/keys.js';

/**
 * The admin key is configured only as its SHA-256; the presented key is hashed and
 * compared in constant time (threat: timing side channel). No configured hash → refuse all.
 */
export function assertAdmin(req: IncomingMessage, keySha256: string | undefined): void {
  if (!keySha256) throw new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', 'the admin API is locked: set admin.key_sha256 in the config (`warden admin-key` prints a key and its hash)');
  const auth = req.headers['authorization'];
  const presented = typeof auth === 'string' && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : (req.headers['x-admin-key'] as string | undefined);
  if (!presented || !digestsEqual(hashKey(presented), keySha256)) throw new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', 'admin key missing or wrong (send it as Authorization: Bearer or x-admin-key)');
}
