import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from './sqlite.js';

test('sqlite store: a database from before the overlay is migrated once, its rows kept', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'old.db');
  const old = new Database(path);
  old.exec(`CREATE TABLE consumers (name TEXT PRIMARY KEY, groups TEXT NOT NULL DEFAULT '[]', labels TEXT NOT NULL DEFAULT '{}', models TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL);
    INSERT INTO consumers (name, created_at) VALUES ('kept', 1);`);
  assert.equal(old.pragma('user_version', { simple: true }), 0);
  old.close();

  const store = openSqliteStore(path);
  assert.equal(store.getConsumer('kept')?.name, 'kept');
  store.putOverlay('route', 'r1', { id: 'r1', uri: '/a' });
  store.putOverlay('policy', 'p1', { rules: [] });
  store.putOverlay('route', 'r0', { id: 'r0', uri: '/b' });
  store.putOverlay('route', 'r1', { id: 'r1', uri: '/a2' });
  assert.deepEqual(store.listOverlay().map((e) => [e.kind, e.id]), [['route', 'r1'], ['policy', 'p1'], ['route', 'r0']], 'write order; a rewrite keeps its place');
  assert.deepEqual(store.listOverlay('route').map((e) => e.item), [{ id: 'r1', uri: '/a2' }, { id: 'r0', uri: '/b' }]);
  assert.equal(store.deleteOverlay('route', 'r1'), true);
  assert.equal(store.deleteOverlay('route', 'r1'), false);
  store.close();

  const again = openSqliteStore(path);
  assert.deepEqual(again.listOverlay().map((e) => e.id), ['p1', 'r0'], 'persisted; reopening does not migrate again');
  again.close();
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), 1);
  raw.close();
});
