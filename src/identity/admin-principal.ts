/**
 * Turns a presented admin key into an admin principal: the admin API and the CLI verify it
 * the same way. Keys are configured only as SHA-256; every configured hash is compared in
 * constant time. A virtual key is refused before anything else: an agent's credential never
 * becomes an admin identity, even if its hash was configured as one.
 */
import { WardenError } from '../core/errors.js';
import { principalGrants, rolesOf, rolesWith, type AdminPermission, type AdminPrincipal, type AdminRole } from './admin-roles.js';
import { digestsEqual, hashKey, KEY_PREFIX } from './keys.js';

export interface AdminKeysConfig {
  key_sha256?: string | undefined;
  keys: readonly { name: string; key_sha256: string; role: AdminRole; groups: readonly string[] }[];
}

export interface AdminAuthContext {
  via: AdminPrincipal['via'];
  /** How this caller presents a key, for the error message. */
  howToSend: string;
  /** True when the hash is a virtual key's (the store's keys table). */
  isVirtualKeyHash: (sha256: string) => boolean;
}

const refuse = (message: string) => new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', message);

export function adminKeysConfigured(cfg: AdminKeysConfig): boolean {
  return cfg.key_sha256 !== undefined || cfg.keys.length > 0;
}

export function authenticateAdminKey(presented: string | undefined, cfg: AdminKeysConfig, ctx: AdminAuthContext): AdminPrincipal {
  if (!adminKeysConfigured(cfg)) {
    throw refuse('no admin key is configured, so every admin call is refused: set admin.key_sha256 or admin.keys in the config (`warden admin-key` prints a key and its hash)');
  }
  if (!presented) throw refuse(`admin key missing (${ctx.howToSend})`);
  const hash = hashKey(presented);
  if (presented.startsWith(KEY_PREFIX) || ctx.isVirtualKeyHash(hash)) {
    throw refuse('a virtual key (an agent\'s credential) is never an admin identity; use an admin key from admin.key_sha256 or admin.keys');
  }
  let found: AdminPrincipal | undefined;
  // No early exit: the time taken does not tell which entry matched.
  if (cfg.key_sha256 !== undefined && digestsEqual(hash, cfg.key_sha256)) found = { name: 'admin', role: 'admin', groups: [], via: ctx.via };
  for (const k of cfg.keys) if (digestsEqual(hash, k.key_sha256) && !found) found = { name: k.name, role: k.role, groups: [...k.groups], via: ctx.via };
  if (!found) throw refuse(`admin key wrong (${ctx.howToSend})`);
  return found;
}

export function requirePermission(p: AdminPrincipal, permission: AdminPermission): void {
  if (principalGrants(p, permission)) return;
  const held = rolesOf(p);
  throw new WardenError('WARDEN_E_ADMIN_FORBIDDEN', `${p.name} has role ${held.join(', ')}, which does not allow ${permission}; roles that do: ${rolesWith(permission).join(', ')}`);
}
