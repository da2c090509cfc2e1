/**
 * The contract every LimiterBackend must pass (memory and Redis run the same cases).
 * Windows are short real durations: the Redis backend uses the server clock, so time
 * cannot be faked; waits are bounded and assertions never depend on speed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Charge, LimiterBackend } from './backend.js';

const win = (key: string, limit: number, windowMs: number, cost = 1, weighted = false): Charge => ({ kind: 'window', key, cost, limit, windowMs, weighted });
const counter = (key: string, limit: number, cost = 1, expireAt: number | null = null): Charge => ({ kind: 'counter', key, cost, limit, expireAt });
const lease = (key: string, max: number, ttlMs: number): Charge => ({ kind: 'lease', key, max, ttlMs });

async function admitted(b: LimiterBackend, charges: Charge[], id = randomUUID()): Promise<boolean> {
  return (await b.admit(id, charges)).ok;
}

export async function runBackendContract(t: TestContext, backend: LimiterBackend): Promise<void> {
  const k = (name: string): string => `contract:${randomUUID().slice(0, 8)}:${name}`;

  await t.test('a request window admits exactly its limit, then refuses with used and retry-after', async () => {
    const key = k('req');
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await backend.admit(randomUUID(), [win(key, 3, 60_000)]));
    assert.deepEqual(results.map((r) => r.ok), [true, true, true, false, false]);
    const last = results[4]!;
    assert.ok(!last.ok);
    assert.equal(last.refused.length, 1);
    assert.equal(last.refused[0]!.index, 0);
    assert.equal(last.refused[0]!.used, 3);
    assert.ok(last.refused[0]!.retryAfterMs > 0 && last.refused[0]!.retryAfterMs <= 60_000);
  });

  await t.test('the window slides: an entry frees exactly one window after it was admitted', async () => {
    const key = k('slide');
    assert.ok(await admitted(backend, [win(key, 2, 400)]));
    await sleep(250);
    assert.ok(await admitted(backend, [win(key, 2, 400)]));
    const refused = await backend.admit(randomUUID(), [win(key, 2, 400)]);
    assert.ok(!refused.ok);
    // The first entry is at least 250 ms old, so it frees in at most 150 ms; the second stays.
    const wait = refused.refused[0]!.retryAfterMs;
    assert.ok(wait > 0 && wait <= 150, `retry after ${wait}`);
    await sleep(wait + 20);
    assert.ok(await admitted(backend, [win(key, 2, 400)]));
    assert.equal(await admitted(backend, [win(key, 2, 400)]), false, 'the second entry is still inside the window');
  });

  await t.test('weighted windows reserve, then settle to the real cost', async () => {
    const key = k('tokens');
    const first = randomUUID();
    assert.ok(await admitted(backend, [win(key, 100, 60_000, 60, true)], first));
    const over = await backend.admit(randomUUID(), [win(key, 100, 60_000, 50, true)]);
    assert.ok(!over.ok);
    assert.equal(over.refused[0]!.used, 60);
    await backend.settle(first, [{ kind: 'window', key, delta: -30, actual: 30, windowMs: 60_000 }], []);
    assert.ok(await admitted(backend, [win(key, 100, 60_000, 50, true)]), '30 + 50 fits in 100');
    assert.equal(await admitted(backend, [win(key, 100, 60_000, 30, true)]), false, '80 + 30 does not');
    assert.ok(await admitted(backend, [win(key, 100, 60_000, 20, true)]), '80 + 20 does');
  });

  await t.test('settling past the limit leaves debt that refuses later requests; weights never go negative', async () => {
    const key = k('debt');
    const id = randomUUID();
    assert.ok(await admitted(backend, [win(key, 100, 60_000, 10, true)], id));
    await backend.settle(id, [{ kind: 'window', key, delta: 140, actual: 150, windowMs: 60_000 }], []);
    const r = await backend.admit(randomUUID(), [win(key, 100, 60_000, 0, true)]);
    assert.ok(!r.ok);
    assert.equal(r.refused[0]!.used, 150);
    await backend.settle(id, [{ kind: 'window', key, delta: -1000, actual: 0, windowMs: 60_000 }], []);
    assert.ok(await admitted(backend, [win(key, 100, 60_000, 100, true)]));
  });

  await t.test('a reservation that already left the window is settled as new usage from now', async () => {
    const key = k('late');
    const id = randomUUID();
    assert.ok(await admitted(backend, [win(key, 100, 150, 10, true)], id));
    await sleep(200);
    await backend.settle(id, [{ kind: 'window', key, delta: 5, actual: 15, windowMs: 150 }], []);
    assert.equal(await admitted(backend, [win(key, 100, 150, 90, true)]), false, '15 + 90 > 100');
    assert.ok(await admitted(backend, [win(key, 100, 150, 85, true)]));
  });

  await t.test('an admission is all or nothing, and every refused charge is listed', async () => {
    const a = k('a');
    const spent = k('spent');
    assert.ok(await admitted(backend, [counter(spent, 1)]));
    const r = await backend.admit(randomUUID(), [win(a, 2, 60_000), counter(spent, 1), lease(k('l'), 0 + 1, 60_000), counter(spent, 1)]);
    assert.ok(!r.ok);
    assert.deepEqual(r.refused.map((x) => x.index), [1, 3]);
    assert.equal(r.refused[0]!.retryAfterMs, -1);
    // Nothing of the refused admission was recorded: the window still has room for its full limit.
    assert.ok(await admitted(backend, [win(a, 2, 60_000)]));
    assert.ok(await admitted(backend, [win(a, 2, 60_000)]));
    assert.equal(await admitted(backend, [win(a, 2, 60_000)]), false);
  });

  await t.test('counters count to their limit, settle up and down, never below zero, and expire at expireAt', async () => {
    const key = k('budget');
    const id = randomUUID();
    assert.ok(await admitted(backend, [counter(key, 2)], id));
    assert.ok(await admitted(backend, [counter(key, 2)]));
    const r = await backend.admit(randomUUID(), [counter(key, 2)]);
    assert.ok(!r.ok && r.refused[0]!.used === 2);
    await backend.settle(id, [{ kind: 'counter', key, delta: -5, expireAt: null }], []);
    assert.ok(await admitted(backend, [counter(key, 2, 2)]), 'value 0 after clamping, so a cost of 2 fits');
    const missing = k('missing');
    await backend.settle(id, [{ kind: 'counter', key: missing, delta: -3, expireAt: null }], []);
    assert.ok(await admitted(backend, [counter(missing, 1)]));
    const soon = k('soon');
    assert.ok(await admitted(backend, [counter(soon, 1, 1, Date.now() + 150)]));
    assert.equal(await admitted(backend, [counter(soon, 1, 1, Date.now() + 150)]), false);
    await sleep(250);
    assert.ok(await admitted(backend, [counter(soon, 1, 1, Date.now() + 150)]), 'a new period starts empty');
  });

  await t.test('leases cap concurrency and free on release', async () => {
    const key = k('conc');
    const [a, b] = [randomUUID(), randomUUID()];
    assert.ok(await admitted(backend, [lease(key, 2, 60_000)], a));
    assert.ok(await admitted(backend, [lease(key, 2, 60_000)], b));
    const r = await backend.admit(randomUUID(), [lease(key, 2, 60_000)]);
    assert.ok(!r.ok && r.refused[0]!.used === 2);
    await backend.settle(a, [], [key]);
    assert.ok(await admitted(backend, [lease(key, 2, 60_000)]));
  });

  await t.test('leases expire after their TTL unless renewed (a crashed holder frees its slot)', async () => {
    const held = k('renewed');
    const dropped = k('dropped');
    const id = randomUUID();
    assert.ok(await admitted(backend, [lease(held, 1, 200), lease(dropped, 1, 200)], id));
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      await backend.renew(id, [held], 200);
    }
    assert.equal(await admitted(backend, [lease(held, 1, 200)]), false, 'renewed lease still held after 400 ms');
    assert.ok(await admitted(backend, [lease(dropped, 1, 200)]), 'unrenewed lease expired');
    await backend.renew(randomUUID(), [held], 60_000);
    await sleep(250);
    assert.ok(await admitted(backend, [lease(held, 1, 200)]), 'renewing someone else’s id does not extend the lease');
  });

  await t.test('parallel admissions never exceed the limit', async () => {
    const key = k('burst');
    const ckey = k('burst-conc');
    const results = await Promise.all(Array.from({ length: 60 }, () => backend.admit(randomUUID(), [win(key, 25, 60_000), lease(ckey, 40, 60_000)])));
    assert.equal(results.filter((r) => r.ok).length, 25);
  });
}
