import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile } from './stats.js';
import { parseWrkOutput } from './wrk.js';

test('median and nearest-rank percentiles', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const v = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(v, 50), 50);
  assert.equal(percentile(v, 99), 99);
  assert.equal(percentile(v, 100), 100);
  assert.equal(percentile([7], 50), 7);
});

test('wrk result line: rates, latencies in ms, errors summed', () => {
  const out = 'Running 5s test\nWRK_RESULT {"requests":50000,"duration_us":5000000,"bytes":1,"connect_errors":0,"read_errors":1,"write_errors":0,"status_errors":2,"timeouts":3,"p50_us":1500,"p90_us":2000,"p99_us":4500,"mean_us":1600.5,"max_us":9000}\n';
  const r = parseWrkOutput(out);
  assert.equal(r.rps, 10000);
  assert.equal(r.p50Ms, 1.5);
  assert.equal(r.p99Ms, 4.5);
  assert.equal(r.errors, 6);
  assert.equal(r.nonSuccess, 2);
  assert.throws(() => parseWrkOutput('no result'));
});

test('peak overlap of stream lifetimes: waves of streams never all open at once', async () => {
  const { peakOverlap } = await import('./slow-streams.js');
  assert.equal(peakOverlap([[0, 5], [1, 6], [2, 7]]), 3);
  assert.equal(peakOverlap([[0, 5], [5, 10], [10, 15]]), 1);
  assert.equal(peakOverlap([[0, 5], [0, 5], [6, 9]]), 2);
  assert.equal(peakOverlap([]), 0);
});
