import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBackendContract } from './backend.contract.js';
import { MemoryBackend } from './memory.js';

test('memory backend passes the backend contract', async (t) => {
  const backend = new MemoryBackend();
  await runBackendContract(t, backend);
  await backend.close();
});

test('memory backend sweeps idle counters so client-chosen keys cannot pile up', async () => {
  let now = 1_000_000;
  const backend = new MemoryBackend(() => now);
  for (let i = 0; i < 500; i++) {
    await backend.admit(`id${i}`, [
      { kind: 'window', key: `session:${i}`, cost: 1, limit: 5, windowMs: 1000, weighted: false },
      { kind: 'lease', key: `conc:${i}`, max: 1, ttlMs: 1000 },
      { kind: 'counter', key: `day:${i}`, cost: 1, limit: 5, expireAt: now + 1000 },
    ]);
  }
  assert.equal(backend.size, 1500);
  now += 60_000;
  await backend.admit('later', [{ kind: 'window', key: 'fresh', cost: 1, limit: 5, windowMs: 1000, weighted: false }]);
  assert.equal(backend.size, 1);
});

test('memory backend windows follow its clock exactly at the edge', async () => {
  let now = 0;
  const backend = new MemoryBackend(() => now);
  const charge = { kind: 'window', key: 'k', cost: 1, limit: 1, windowMs: 1000, weighted: false } as const;
  assert.ok((await backend.admit('a', [charge])).ok);
  now = 999;
  const r = await backend.admit('b', [charge]);
  assert.ok(!r.ok);
  assert.equal(r.refused[0]!.retryAfterMs, 1);
  now = 1000;
  assert.ok((await backend.admit('c', [charge])).ok, 'an entry counts for exactly windowMs');
});
