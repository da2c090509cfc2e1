/** `warden grants create|list|revoke`: just-in-time PostgreSQL roles (docs/postgres-policy.md#grants). */
import { WardenError } from '../core/errors.js';
import { activeGrant, createGrant, isActive, openSqliteGrants, type Grant } from '../doors/postgres/grants/index.js';
import { parseDuration } from './approvals.js';
import { openExistingStore, type CliIO, type StoreContext } from './context.js';

export interface GrantsContext extends StoreContext, CliIO {
  now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function line(g: Grant, now: number): string {
  const state = g.revokedAt !== null ? `revoked by ${g.revokedBy ?? '?'} at ${iso(g.revokedAt)}` : g.expires <= now ? 'expired' : 'active';
  return `${g.id}  ${g.consumer}  role=${g.role}  database=${g.database ?? '*'}  ${state}  created=${iso(g.created)} by ${g.createdBy}  expires=${iso(g.expires)}${g.note ? `\n    note: ${g.note}` : ''}\n`;
}

function open(ctx: GrantsContext, create = false) {
  // Opening the main store first refuses a missing one with the usual message.
  openExistingStore(ctx, { create }).close();
  return openSqliteGrants(ctx.storePath);
}

export async function grantsCreate(ctx: GrantsContext, o: { consumer: string; role: string; for: string; database?: string; note?: string }): Promise<number> {
  const forMs = parseDuration(o.for);
  if (forMs === undefined) throw new WardenError('WARDEN_E_USAGE', `--for ${o.for}: expected a duration such as 30m, 1h or 2d`);
  const now = ctx.now?.() ?? Date.now();
  const store = open(ctx, true);
  try {
    const g = await createGrant(store, { consumer: o.consumer, role: o.role, forMs, database: o.database, by: 'cli', note: o.note, now });
    ctx.out(`grant ${g.id}: ${g.consumer} holds role ${g.role} on ${g.database ?? 'every database'} until ${iso(g.expires)}\n`);
    return 0;
  } finally {
    store.close();
  }
}

export async function grantsList(ctx: GrantsContext, o: { consumer?: string; all?: boolean; json?: boolean }): Promise<number> {
  const now = ctx.now?.() ?? Date.now();
  const store = open(ctx);
  try {
    const list = await store.list({ consumer: o.consumer, all: o.all, now });
    if (o.json) ctx.out(`${JSON.stringify(list.map((g) => ({ ...g, active: isActive(g, now) })), null, 2)}\n`);
    else if (!list.length) ctx.out(o.all ? 'no grants\n' : 'no active grants (--all shows expired and revoked ones)\n');
    else for (const g of list) ctx.out(line(g, now));
    return 0;
  } finally {
    store.close();
  }
}

export async function grantsRevoke(ctx: GrantsContext, id: string): Promise<number> {
  const now = ctx.now?.() ?? Date.now();
  const store = open(ctx);
  try {
    const before = await store.get(id);
    if (!before) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no grant ${id.slice(0, 64)}`);
    const g = await store.revoke(id, 'cli', now);
    if (!g) throw new WardenError('WARDEN_E_ADMIN_CONFLICT', `grant ${id} was already revoked at ${iso(before.revokedAt!)}`);
    const still = await activeGrant(store, g.consumer, now);
    ctx.out(`grant ${g.id} revoked: ${g.consumer}'s live sessions under it end with a FATAL error${still ? `; ${g.consumer} still holds ${still.id} (role ${still.role})` : ''}\n`);
    return 0;
  } finally {
    store.close();
  }
}
