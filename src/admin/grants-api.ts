/**
 * `/admin/grants`: just-in-time PostgreSQL roles. GET lists (config.read); POST creates
 * `{consumer, role, for, database?, note?}` and POST `/<id>/revoke` or DELETE `/<id>` revokes
 * (config.write), recorded under the admin key's name.
 */
import type { ServerResponse } from 'node:http';
import type { ApprovalsCall } from './approvals-api.js';
import { WardenError } from '../core/errors.js';
import { createGrant, isActive, type Grant, type GrantStore } from '../doors/postgres/grants/index.js';
import type { AdminPrincipal } from '../identity/admin-roles.js';
import { parseDuration } from './keys-api.js';
import { sendJson } from './respond.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function publicGrant(g: Grant, now: number) {
  return {
    id: g.id, consumer: g.consumer, role: g.role, database: g.database, active: isActive(g, now),
    created_at: iso(g.created), created_by: g.createdBy, expires_at: iso(g.expires), revoked_at: iso(g.revokedAt), revoked_by: g.revokedBy, note: g.note,
  };
}

function str(v: unknown, field: string, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `${field}: must be a string`);
  return v;
}

/** The same call shape the approvals routes take. */
export type GrantsCall = ApprovalsCall;

/** Answers a /admin/grants call; false when the call is not one of its routes. The caller checked the permission. */
export async function grantsApi(store: GrantStore, p: AdminPrincipal, call: GrantsCall, res: ServerResponse): Promise<boolean> {
  const { method, url, id, action } = call;
  const now = Date.now();
  if (!id && method === 'GET') {
    const list = await store.list({ consumer: url.searchParams.get('consumer') ?? undefined, all: url.searchParams.get('all') === 'true', now });
    sendJson(res, 200, { grants: list.map((g) => publicGrant(g, now)) });
    return true;
  }
  if (!id && method === 'POST') {
    const b = await call.readJson();
    const g = await createGrant(store, {
      consumer: str(b.consumer, 'consumer')!,
      role: str(b.role, 'role')!,
      forMs: parseDuration(str(b.for, 'for')!, 'for'),
      database: str(b.database, 'database', true),
      note: str(b.note, 'note', true),
      by: p.name,
      now,
    });
    sendJson(res, 201, publicGrant(g, now));
    return true;
  }
  if (id && !action && method === 'GET') {
    const g = await store.get(id);
    if (!g) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no grant ${id}`);
    sendJson(res, 200, publicGrant(g, now));
    return true;
  }
  if (id && ((action === 'revoke' && method === 'POST') || (!action && method === 'DELETE'))) {
    const g = await store.revoke(id, p.name, now);
    if (!g) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `grant ${id} does not exist or is already revoked`);
    sendJson(res, 200, publicGrant(g, now));
    return true;
  }
  return false;
}
