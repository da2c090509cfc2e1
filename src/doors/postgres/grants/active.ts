/**
 * What the door asks: the grant a consumer holds now (for a database), and whether a
 * session's grant still holds. Several active grants: the most capable role wins, then the
 * one that lasts longest.
 */
import { STATEMENT_ROLES } from '../policy/config.js';
import type { Grant, GrantStore } from './types.js';

export function isActive(g: Grant, now: number): boolean {
  return g.revokedAt === null && g.expires > now;
}

/** The grant `consumer` holds at `now` (for `database` when given), or undefined. */
export async function activeGrant(store: GrantStore, consumer: string, now: number, database?: string): Promise<Grant | undefined> {
  let best: Grant | undefined;
  for (const g of await store.list({ consumer, now })) {
    if (!isActive(g, now) || (database !== undefined && g.database !== null && g.database !== database)) continue;
    const rank = STATEMENT_ROLES.indexOf(g.role);
    const bestRank = best ? STATEMENT_ROLES.indexOf(best.role) : -1;
    if (rank > bestRank || (rank === bestRank && g.expires > best!.expires)) best = g;
  }
  return best;
}

/** Why a session's grant no longer holds (for the FATAL message), or null while it does. */
export async function grantEnded(store: GrantStore, id: string, now: number): Promise<string | null> {
  const g = await store.get(id);
  if (!g) return `grant ${id} no longer exists`;
  if (g.revokedAt !== null) return `grant ${id} was revoked by ${g.revokedBy ?? 'an administrator'} at ${new Date(g.revokedAt).toISOString()}`;
  if (g.expires <= now) return `grant ${id} (role ${g.role}) expired at ${new Date(g.expires).toISOString()}`;
  return null;
}
