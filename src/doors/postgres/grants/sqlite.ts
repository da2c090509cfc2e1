/**
 * Grants in SQLite: their own table in the main store's database file, so `warden grants`
 * (another process) creates and revokes grants the running server sees.
 */
import type Database from 'better-sqlite3';
import { randomBase62 } from '../../../core/ids.js';
import { openStoreHandle } from '../../../store/sqlite-handle.js';
import type { Grant, GrantStore } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pg_grants (
  id TEXT PRIMARY KEY,
  consumer TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('reader', 'writer', 'dba')),
  database TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at INTEGER,
  revoked_by TEXT,
  note TEXT
);
CREATE INDEX IF NOT EXISTS pg_grants_active ON pg_grants(consumer, expires_at);
`;

interface Row {
  id: string; consumer: string; role: Grant['role']; database: string | null; created_at: number; expires_at: number;
  created_by: string; revoked_at: number | null; revoked_by: string | null; note: string | null;
}

const toGrant = (r: Row): Grant => ({
  id: r.id, consumer: r.consumer, role: r.role, database: r.database, created: r.created_at, expires: r.expires_at,
  createdBy: r.created_by, revokedAt: r.revoked_at, revokedBy: r.revoked_by, note: r.note,
});

/** Opens the grants table in `db` — a file path (opened here) or an open better-sqlite3 handle (shared). */
export function openSqliteGrants(db: string | Database.Database): GrantStore {
  const { handle, owned } = openStoreHandle(db);
  handle.exec(SCHEMA);
  const q = {
    insert: handle.prepare(`INSERT INTO pg_grants (id, consumer, role, database, created_at, expires_at, created_by, note)
      VALUES (@id, @consumer, @role, @database, @created_at, @expires_at, @created_by, @note)`),
    get: handle.prepare('SELECT * FROM pg_grants WHERE id = ?'),
    list: handle.prepare(`SELECT * FROM pg_grants WHERE (@consumer IS NULL OR consumer = @consumer)
      AND (@all = 1 OR (revoked_at IS NULL AND expires_at > @now)) ORDER BY created_at, id`),
    revoke: handle.prepare('UPDATE pg_grants SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL'),
  };
  return {
    async create(g) {
      const id = `grt_${randomBase62(16)}`;
      q.insert.run({ id, consumer: g.consumer, role: g.role, database: g.database ?? null, created_at: g.created, expires_at: g.expires, created_by: g.createdBy, note: g.note ?? null });
      return toGrant(q.get.get(id) as Row);
    },
    async get(id) {
      const r = q.get.get(id) as Row | undefined;
      return r && toGrant(r);
    },
    async list(f = {}) {
      return (q.list.all({ consumer: f.consumer ?? null, all: f.all ? 1 : 0, now: f.now ?? Date.now() }) as Row[]).map(toGrant);
    },
    async revoke(id, by, at) {
      if (q.revoke.run(at, by, id).changes === 0) return undefined;
      return toGrant(q.get.get(id) as Row);
    },
    close: () => {
      if (owned) handle.close();
    },
  };
}
