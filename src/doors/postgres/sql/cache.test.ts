import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedCache } from './cache.js';

test('BoundedCache: from half full on, a hit keeps an entry from being evicted next', () => {
  const c = new BoundedCache<number>(4, 1000);
  for (const k of ['a', 'b', 'c']) c.set(k, 1);
  assert.equal(c.get('a'), 1);
  c.set('d', 1);
  c.set('e', 1);
  assert.equal(c.get('b'), undefined, 'b, the least recently used, went first');
  assert.equal(c.get('a'), 1, 'a was used after b');
  assert.equal(c.size, 4);
});

test('BoundedCache: bounded by entries and by the characters of its keys', () => {
  const c = new BoundedCache<number>(3, 10);
  for (let i = 0; i < 100; i++) c.set(`k${i}`, i);
  assert.equal(c.size, 3);
  c.set('x'.repeat(11), 1);
  assert.equal(c.get('x'.repeat(11)), undefined, 'a key longer than the whole bound is not kept');
  c.set('y'.repeat(9), 1);
  assert.equal(c.size, 1, 'older keys evicted to make room by characters');
  assert.throws(() => new BoundedCache(0, 1), RangeError);
});
