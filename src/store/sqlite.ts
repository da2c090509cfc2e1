import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OverlayEntry, OverlayKind, Store, StoredConsumer, StoredKey, UsageDelta, UsageRow } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS consumers (
  name TEXT PRIMARY KEY,
  groups TEXT NOT NULL DEFAULT '[]',
  labels TEXT NOT NULL DEFAULT '{}',
  models TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS keys (
  id TEXT PRIMARY KEY,
  consumer TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  hint TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  last_used_at INTEGER,
  rotated_from TEXT
);
CREATE INDEX IF NOT EXISTS keys_consumer ON keys(consumer);
CREATE TABLE IF NOT EXISTS usage_daily (
  day TEXT NOT NULL,
  key_id TEXT NOT NULL,
  consumer TEXT NOT NULL,
  model TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (day, key_id, model)
);
`;

/**
 * Schema changes after the first release, applied in order and recorded in
 * `PRAGMA user_version`. Never edit a shipped entry: add the next one.
 */
const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    // The admin API's routes and named policies, layered over the config file.
    sql: `CREATE TABLE IF NOT EXISTS config_overlay (
      kind TEXT NOT NULL CHECK (kind IN ('route', 'policy')),
      id TEXT NOT NULL,
      item TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (kind, id)
    );`,
  },
];

/** Runs pending migrations; IMMEDIATE so a CLI and a server opening the file at once do not both migrate. */
export function migrate(db: Database.Database): void {
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if ((db.pragma('user_version', { simple: true }) as number) >= latest) return;
  db.transaction(() => {
    const at = db.pragma('user_version', { simple: true }) as number;
    for (const m of MIGRATIONS) {
      if (m.version <= at) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}

/** How stale another process's write may look to this one. */
const DATA_VERSION_MS = 100;

interface KeyRow {
  id: string; consumer: string; hash: string; hint: string; name: string; models: string;
  created_at: number; expires_at: number | null; revoked_at: number | null; last_used_at: number | null; rotated_from: string | null;
}
interface ConsumerRow { name: string; groups: string; labels: string; models: string; created_at: number }

const toKey = (r: KeyRow): StoredKey => ({
  id: r.id, consumer: r.consumer, hash: r.hash, hint: r.hint, name: r.name, models: JSON.parse(r.models) as string[],
  createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at, rotatedFrom: r.rotated_from,
});
const toConsumer = (r: ConsumerRow): StoredConsumer => ({
  name: r.name, groups: JSON.parse(r.groups) as string[], labels: JSON.parse(r.labels) as Record<string, string>,
  models: JSON.parse(r.models) as string[], createdAt: r.created_at,
});

export function openSqliteStore(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // WAL lets the CLI write (create/revoke keys) while the server reads, without blocking it.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  migrate(db);

  const q = {
    upsertConsumer: db.prepare(`INSERT INTO consumers (name, groups, labels, models, created_at) VALUES (@name, @groups, @labels, @models, @created_at)
      ON CONFLICT(name) DO UPDATE SET groups = excluded.groups, labels = excluded.labels, models = excluded.models`),
    getConsumer: db.prepare('SELECT * FROM consumers WHERE name = ?'),
    listConsumers: db.prepare('SELECT * FROM consumers ORDER BY name'),
    deleteConsumer: db.prepare('DELETE FROM consumers WHERE name = ?'),
    insertKey: db.prepare(`INSERT INTO keys (id, consumer, hash, hint, name, models, created_at, expires_at, revoked_at, last_used_at, rotated_from)
      VALUES (@id, @consumer, @hash, @hint, @name, @models, @created_at, @expires_at, @revoked_at, @last_used_at, @rotated_from)`),
    keyByHash: db.prepare('SELECT * FROM keys WHERE hash = ?'),
    keyById: db.prepare('SELECT * FROM keys WHERE id = ?'),
    listKeys: db.prepare('SELECT * FROM keys ORDER BY created_at, id'),
    listKeysOf: db.prepare('SELECT * FROM keys WHERE consumer = ? ORDER BY created_at, id'),
    revoke: db.prepare('UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    touch: db.prepare('UPDATE keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?'),
    addUsage: db.prepare(`INSERT INTO usage_daily (day, key_id, consumer, model, requests, input_tokens, output_tokens, cost_usd)
      VALUES (@day, @keyId, @consumer, @model, @requests, @inputTokens, @outputTokens, @costUsd)
      ON CONFLICT(day, key_id, model) DO UPDATE SET requests = requests + excluded.requests,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost_usd = cost_usd + excluded.cost_usd`),
    usage: db.prepare(`SELECT day, key_id AS keyId, consumer, model, requests, input_tokens AS inputTokens, output_tokens AS outputTokens, cost_usd AS costUsd
      FROM usage_daily WHERE day >= @since AND (@consumer IS NULL OR consumer = @consumer) ORDER BY day, consumer, model`),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    listOverlay: db.prepare('SELECT kind, id, item, updated_at FROM config_overlay WHERE (@kind IS NULL OR kind = @kind) ORDER BY rowid'),
    putOverlay: db.prepare(`INSERT INTO config_overlay (kind, id, item, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(kind, id) DO UPDATE SET item = excluded.item, updated_at = excluded.updated_at`),
    deleteOverlay: db.prepare('DELETE FROM config_overlay WHERE kind = ? AND id = ?'),
  };

  const touchMany = db.transaction((times: Map<string, number>) => {
    for (const [id, at] of times) q.touch.run(at, id);
  });
  const addMany = db.transaction((deltas: UsageDelta[]) => {
    for (const d of deltas) q.addUsage.run(d);
  });
  // data_version only moves for writes by *other* connections; count our own writes too.
  let ownWrites = 0;
  let dataVersion = 0;
  let dataVersionAt = -Infinity;

  return {
    upsertConsumer(c) {
      const created_at = Date.now();
      q.upsertConsumer.run({ name: c.name, groups: JSON.stringify(c.groups), labels: JSON.stringify(c.labels), models: JSON.stringify(c.models), created_at });
      ownWrites++;
      return toConsumer(q.getConsumer.get(c.name) as ConsumerRow);
    },
    getConsumer(name) {
      const r = q.getConsumer.get(name) as ConsumerRow | undefined;
      return r && toConsumer(r);
    },
    listConsumers: () => (q.listConsumers.all() as ConsumerRow[]).map(toConsumer),
    deleteConsumer(name) {
      ownWrites++;
      return q.deleteConsumer.run(name).changes > 0;
    },
    insertKey(k) {
      q.insertKey.run({
        id: k.id, consumer: k.consumer, hash: k.hash, hint: k.hint, name: k.name, models: JSON.stringify(k.models),
        created_at: k.createdAt, expires_at: k.expiresAt, revoked_at: k.revokedAt, last_used_at: k.lastUsedAt, rotated_from: k.rotatedFrom,
      });
      ownWrites++;
    },
    getKeyByHash(hash) {
      const r = q.keyByHash.get(hash) as KeyRow | undefined;
      return r && toKey(r);
    },
    getKey(id) {
      const r = q.keyById.get(id) as KeyRow | undefined;
      return r && toKey(r);
    },
    listKeys: (consumer) => ((consumer ? q.listKeysOf.all(consumer) : q.listKeys.all()) as KeyRow[]).map(toKey),
    revokeKey(id, at) {
      ownWrites++;
      return q.revoke.run(at, id).changes > 0;
    },
    touchKeys(times) {
      if (times.size) touchMany(times);
    },
    addUsage(deltas) {
      if (deltas.length) addMany(deltas);
    },
    listOverlay: (kind?: OverlayKind) =>
      (q.listOverlay.all({ kind: kind ?? null }) as { kind: OverlayKind; id: string; item: string; updated_at: number }[]).map(
        (r): OverlayEntry => ({ kind: r.kind, id: r.id, item: JSON.parse(r.item) as unknown, updatedAt: r.updated_at }),
      ),
    putOverlay(kind, id, item) {
      q.putOverlay.run(kind, id, JSON.stringify(item), Date.now());
    },
    deleteOverlay: (kind, id) => q.deleteOverlay.run(kind, id).changes > 0,
    usage: (f) => q.usage.all({ since: f.since ?? '0000-00-00', consumer: f.consumer ?? null }) as UsageRow[],
    version: () => {
      // Other processes' writes (the CLI revoking a key) are seen within DATA_VERSION_MS;
      // polling the pragma on every request cost two syscalls per request.
      const now = Date.now();
      if (now - dataVersionAt >= DATA_VERSION_MS) {
        dataVersion = q.dataVersion.get() as number;
        dataVersionAt = now;
      }
      return dataVersion * 1_000_000 + ownWrites;
    },
    close: () => db.close(),
  };
}
