import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { deleteRedisKeys, requireRedis } from '../../test/support/services.js';
import { runBackendContract } from './backend.contract.js';
import { RedisBackend } from './redis.js';

test('redis backend passes the backend contract', async (t) => {
  const url = await requireRedis(t);
  if (!url) return;
  const prefix = `warden-test:${randomUUID().slice(0, 8)}:`;
  const backend = await RedisBackend.connect({ url, keyPrefix: prefix, timeoutMs: 2000, connectTimeoutMs: 2000 });
  try {
    assert.ok(backend.connected);
    await runBackendContract(t, backend);
  } finally {
    await backend.close();
    await deleteRedisKeys(url, prefix);
  }
});

test('redis keys carry TTLs, so idle counters vanish', async (t) => {
  const url = await requireRedis(t);
  if (!url) return;
  const prefix = `warden-test:${randomUUID().slice(0, 8)}:`;
  const backend = await RedisBackend.connect({ url, keyPrefix: prefix, timeoutMs: 2000, connectTimeoutMs: 2000 });
  const raw = new Redis(url);
  try {
    await backend.admit('x', [
      { kind: 'window', key: 'r', cost: 1, limit: 5, windowMs: 60_000, weighted: false },
      { kind: 'window', key: 't', cost: 7, limit: 50, windowMs: 60_000, weighted: true },
      { kind: 'lease', key: 'c', max: 2, ttlMs: 30_000 },
      { kind: 'counter', key: 'b', cost: 1, limit: 5, expireAt: Date.now() + 3_600_000 },
    ]);
    for (const key of ['r', 't', 't:w', 'c', 'b']) {
      const ttl = await raw.pttl(prefix + key);
      assert.ok(ttl > 0, `${key} has a TTL (${ttl})`);
    }
    assert.equal(await raw.hget(`${prefix}t:w`, '#'), '7');
  } finally {
    raw.disconnect();
    await backend.close();
    await deleteRedisKeys(url, prefix);
  }
});
