import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCache } from './token-cache.js';

test('entries live until their expiry, never past it', () => {
  const c = new TokenCache<string>(10);
  c.set('a', 'A', 1000, 0);
  assert.equal(c.get('a', 999), 'A');
  assert.equal(c.get('a', 1000), undefined);
  assert.equal(c.size, 0);
  c.set('b', 'B', 5, 10);
  assert.equal(c.get('b', 10), undefined, 'an already expired entry is not stored');
});

test('bounded: expired entries go first, then the oldest', () => {
  const c = new TokenCache<number>(10);
  for (let i = 0; i < 10; i++) c.set(`k${i}`, i, i < 5 ? 100 : 10_000, 0);
  c.set('new', 99, 10_000, 200);
  assert.equal(c.size, 6);
  assert.equal(c.get('k5', 200), 5);
  const full = new TokenCache<number>(10);
  for (let i = 0; i < 10; i++) full.set(`k${i}`, i, 10_000, 0);
  full.set('new', 99, 10_000, 1);
  assert.ok(full.size <= 10);
  assert.equal(full.get('k0', 1), undefined, 'the oldest went');
  assert.equal(full.get('new', 1), 99);
});
