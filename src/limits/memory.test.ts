import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBackendContract } from './backend.contract.js';
import { prng } from '../core/prng.js';
import { EXACT_ENTRIES, MAX_PENDING_IDS, MemoryBackend, SUB_BUCKETS } from './memory.js';

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

test('memory backend stays bounded under a sustained load on a long window (the log merges into sub-buckets)', async () => {
  let now = 0;
  const backend = new MemoryBackend(() => now);
  const hour = 3_600_000;
  const requests = { kind: 'window', key: 'rpm', cost: 1, limit: 1_000_000_000, windowMs: hour, weighted: false } as const;
  const tokens = { kind: 'window', key: 'tpm', cost: 700, limit: 1_000_000_000, windowMs: hour, weighted: true } as const;
  let most = { entries: 0, ids: 0 };
  // 400 000 admissions over 1.5 windows: an exact log would hold 300 000 entries and ids per key.
  for (let i = 0; i < 400_000; i++) {
    now += 13;
    const id = `r${i}`;
    assert.ok((await backend.admit(id, [requests, tokens])).ok);
    if (i % 3 === 0) await backend.settle(id, [{ kind: 'window', key: 'tpm', delta: -200, actual: 500, windowMs: hour }], []);
    if (i % 1000 === 0) {
      for (const key of ['rpm', 'tpm']) {
        const f = backend.windowFootprint(key)!;
        most = { entries: Math.max(most.entries, f.entries), ids: Math.max(most.ids, f.ids) };
      }
    }
  }
  // The documented bound (docs/limits.md): 256 + 64 + 1 entries, 1 024 ids, whatever the rate.
  assert.equal(EXACT_ENTRIES + SUB_BUCKETS + 1, 321);
  assert.ok(most.entries <= 321, `at most ${most.entries} entries`);
  assert.ok(most.ids <= MAX_PENDING_IDS && MAX_PENDING_IDS === 1024, `at most ${most.ids} ids`);
  // Still counting right: one hour of admissions (exactly, plus at most one sub-bucket's worth).
  const inHour = Math.floor(hour / 13);
  const r = await backend.admit('probe', [{ ...requests, limit: inHour }]);
  assert.ok(!r.ok);
  const used = r.refused[0]!.used;
  assert.ok(used >= inHour && used <= inHour + Math.ceil(hour / SUB_BUCKETS / 13) + 1, `used ${used} for ${inHour} in the window`);
});

test('memory backend precision: never admits beyond the limit in any window; refuses only when the window plus one sub-bucket is full', async () => {
  const rand = prng(14);
  let now = 0;
  const backend = new MemoryBackend(() => now);
  const windowMs = 10_000;
  const grain = Math.ceil(windowMs / SUB_BUCKETS);
  const limit = 2_000;
  const admitted: Array<{ id: string; t: number; w: number }> = [];
  const usage = (from: number, to: number) => admitted.reduce((sum, a) => (a.t > from && a.t <= to ? sum + a.w : sum), 0);
  let refusals = 0;
  let merged = false;
  for (let i = 0; i < 6_000; i++) {
    now += Math.floor(rand() * 12);
    const cost = 1 + Math.floor(rand() * 5);
    const id = `a${i}`;
    const r = await backend.admit(id, [{ kind: 'window', key: 'k', cost, limit, windowMs, weighted: true }]);
    if (r.ok) {
      assert.ok(usage(now - windowMs, now) + cost <= limit, `admission ${i} at ${now} goes beyond the limit`);
      admitted.push({ id, t: now, w: cost });
    } else {
      refusals++;
      assert.ok(usage(now - windowMs - grain, now) + cost > limit, `refusal ${i} at ${now}: the window plus one sub-bucket had room`);
    }
    // Settle a recent admission up or down, as the real usage arrives.
    if (admitted.length && rand() < 0.3) {
      const a = admitted[admitted.length - 1 - Math.floor(rand() * Math.min(50, admitted.length))]!;
      if (a.t > now - windowMs) {
        const delta = Math.floor(rand() * 8) - 5;
        await backend.settle(a.id, [{ kind: 'window', key: 'k', delta, actual: a.w + delta, windowMs }], []);
        a.w = Math.max(0, a.w + delta);
      }
    }
    merged ||= backend.windowFootprint('k')!.entries < admitted.filter((a) => a.t > now - windowMs).length;
  }
  assert.ok(merged, 'the load was enough to merge entries');
  assert.ok(refusals > 100, `${refusals} refusals: the limit was reached`);
});
