import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStore } from '../store/sqlite.js';
import { Identity } from './identity.js';
import { generateKey, hashKey, keyHint, newKeyId } from './keys.js';

test('store consumers: cached between requests, yet a deletion or change applies to the next request, from this process or another', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-identity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = openSqliteStore(join(dir, 'w.db'));
  const other = openSqliteStore(join(dir, 'w.db')); // the CLI, in another process
  t.after(() => (store.close(), other.close()));
  store.upsertConsumer({ name: 'team', groups: ['a'], labels: {}, models: [] });
  const key = generateKey();
  store.insertKey({ id: newKeyId(), consumer: 'team', hash: hashKey(key), hint: keyHint(key), name: 'k', models: [], createdAt: Date.now(), expiresAt: null, revokedAt: null, lastUsedAt: null, rotatedFrom: null });
  const id = new Identity(store, [{ name: 'cfg', groups: [], labels: {}, models: [] }]);

  const first = id.authenticateKey(key);
  assert.deepEqual(first.consumer.groups, ['a']);
  assert.equal(id.authenticateKey(key).consumer, first.consumer, 'the second request is served from the cache');

  store.upsertConsumer({ name: 'team', groups: ['b'], labels: {}, models: [] });
  assert.deepEqual(id.authenticateKey(key).consumer.groups, ['b'], 'a change here applies at once');

  assert.equal(store.deleteConsumer('team'), true);
  assert.throws(() => id.authenticateKey(key), (e: Error & { code?: string }) => e.code === 'WARDEN_E_AUTH_CONSUMER_UNKNOWN', 'a deletion here applies at once');
  assert.equal(id.consumer('team'), undefined);

  other.upsertConsumer({ name: 'team', groups: ['c'], labels: {}, models: [] });
  await sleep(150); // past the store's data_version poll (100 ms)
  assert.deepEqual(id.authenticateKey(key).consumer.groups, ['c'], 'a consumer made by another process is seen');
  assert.equal(other.deleteConsumer('team'), true);
  await sleep(150);
  assert.throws(() => id.authenticateKey(key), (e: Error & { code?: string }) => e.code === 'WARDEN_E_AUTH_CONSUMER_UNKNOWN', 'a deletion by another process is seen');
  assert.equal(id.consumer('cfg')?.name, 'cfg', 'config consumers come first, uncached');
});
