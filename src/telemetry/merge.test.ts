import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, renderSnapshot } from './metrics.js';
import { MAX_CARRIED_SERIES, carry, cumulativeOnly, mergeSnapshots } from './merge.js';

/** A registry shaped like Warden's: a labelled counter, a gauge, a histogram. */
function worker() {
  const r = new Registry();
  return {
    r,
    requests: r.counter('req_total', 'Requests.', ['door', 'status']),
    inflight: r.gauge('inflight', 'In flight.', ['door']),
    latency: r.histogram('lat_seconds', 'Latency.', ['door'], [0.1, 1]),
  };
}

test('merge: counters, histogram buckets, sums and counts and gauges summed per identical label set', () => {
  const a = worker();
  const b = worker();
  a.requests.inc(['llm', '200'], 3);
  a.requests.inc(['llm', '429']);
  b.requests.inc(['llm', '200'], 4);
  b.requests.inc(['http', '200'], 2);
  a.inflight.add(['llm'], 2);
  b.inflight.add(['llm'], 1);
  a.latency.observe(['llm'], 0.05);
  a.latency.observe(['llm'], 5);
  b.latency.observe(['llm'], 0.5);
  b.latency.observe(['http'], 0.05);

  // The merged text is what one process would show had it counted every event itself.
  const one = worker();
  one.requests.inc(['llm', '200'], 7);
  one.requests.inc(['llm', '429']);
  one.requests.inc(['http', '200'], 2);
  one.inflight.add(['llm'], 3);
  for (const v of [0.05, 5, 0.5]) one.latency.observe(['llm'], v);
  one.latency.observe(['http'], 0.05);

  const merged = renderSnapshot(mergeSnapshots([a.r.snapshot(), b.r.snapshot()]));
  assert.equal(merged, one.r.render());
  assert.match(merged, /^lat_seconds_bucket\{door="llm",le="1"\} 2$/m);
  assert.match(merged, /^lat_seconds_bucket\{door="llm",le="\+Inf"\} 3$/m);
  assert.match(merged, /^lat_seconds_sum\{door="llm"\} 5\.55$/m);
  // The inputs are left as they were.
  assert.equal(renderSnapshot(mergeSnapshots([a.r.snapshot()])), a.r.render());
});

test('merge: a snapshot survives the IPC channel (JSON) and a metric with no series keeps its HELP and TYPE', () => {
  const a = worker();
  a.requests.inc(['llm', 'a"b\\c\nd']);
  const wire = JSON.parse(JSON.stringify(a.r.snapshot()));
  assert.equal(renderSnapshot(mergeSnapshots([wire])), a.r.render());
  assert.match(a.r.render(), /# TYPE inflight gauge/);
});

test('carry: a dead worker\'s counters and histograms stay in the totals, its gauges do not', () => {
  const dead = worker();
  dead.requests.inc(['llm', '200'], 5);
  dead.inflight.add(['llm'], 4);
  dead.latency.observe(['llm'], 0.05);
  const carried = carry([], dead.r.snapshot());
  const replacement = worker();
  replacement.requests.inc(['llm', '200']);
  const text = renderSnapshot(mergeSnapshots([carried, replacement.r.snapshot()]));
  assert.match(text, /^req_total\{door="llm",status="200"\} 6$/m);
  assert.match(text, /^lat_seconds_count\{door="llm"\} 1$/m);
  assert.doesNotMatch(text, /^inflight\{/m);
  assert.match(text, /# TYPE inflight gauge/, 'the live worker still declares the gauge');
  // Carried twice (two replacements) adds up.
  const twice = carry(carried, dead.r.snapshot());
  assert.match(renderSnapshot(twice), /^req_total\{door="llm",status="200"\} 10$/m);
  assert.match(renderSnapshot(twice), /^lat_seconds_count\{door="llm"\} 2$/m);
  assert.match(renderSnapshot(carried), /^lat_seconds_count\{door="llm"\} 1$/m, 'carry leaves its input as it was');
  assert.deepEqual(cumulativeOnly(dead.r.snapshot()).map((f) => f.type), ['counter', 'histogram']);
});

test('carry: the label sets carried per metric are bounded', () => {
  const dead = worker();
  for (let i = 0; i < MAX_CARRIED_SERIES + 10; i++) dead.requests.inc(['llm', String(i)]);
  const carried = carry([], dead.r.snapshot());
  assert.equal(carried.find((f) => f.name === 'req_total')!.series.length, MAX_CARRIED_SERIES);
  // Label sets already carried keep adding up.
  assert.match(renderSnapshot(carry(carried, dead.r.snapshot())), /^req_total\{door="llm",status="0"\} 2$/m);
});
