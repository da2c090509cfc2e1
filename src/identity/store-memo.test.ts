import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreMemo } from './store-memo.js';

test('StoreMemo: a read is kept, misses too, until the store version changes', () => {
  let version = 1;
  let loads = 0;
  const m = new StoreMemo<string>(() => version);
  const load = (v: string | null) => () => (loads++, v);
  assert.equal(m.get('a', load('A')), 'A');
  assert.equal(m.get('a', load('other')), 'A');
  assert.equal(m.get('b', load(null)), null);
  assert.equal(m.get('b', load('B')), null, 'a miss is kept');
  assert.equal(loads, 2);
  version = 2;
  assert.equal(m.get('b', load('B')), 'B', 'a new store version reads again');
  assert.equal(loads, 3);
});

test('StoreMemo: bounded: past its entries it starts over', () => {
  let loads = 0;
  const m = new StoreMemo<number>(() => 1, 2);
  for (const k of ['a', 'b', 'c', 'd']) m.get(k, () => ++loads);
  m.get('a', () => ++loads);
  assert.equal(loads, 5, 'a was dropped when the memo started over');
});
