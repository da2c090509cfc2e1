/**
 * Merging the metric snapshots of several worker processes into one (`/metrics` under
 * `warden start --workers N`, docs/workers.md). Series are matched by metric name and identical
 * label values. Counters and histograms (each bucket, the sum and the count) are summed: each
 * counts events, and the events of all workers are Warden's. Gauges are summed too: every gauge
 * Warden exposes is an amount held by a process (exchanges in flight), and Warden's amount is
 * the sum of its workers'.
 */
import type { FamilySnapshot, HistogramSeries, RegistrySnapshot } from './metrics.js';

/** Label sets a merge keeps per metric beyond which new ones from `carry` are dropped (bounds the carried totals of dead workers). */
export const MAX_CARRIED_SERIES = 20_000;

type Series = Map<string, number | HistogramSeries>;

function addInto(series: Series, f: FamilySnapshot, cap = Infinity): void {
  for (const [k, v] of f.series as Array<[string, number | HistogramSeries]>) {
    const have = series.get(k);
    if (have === undefined) {
      if (series.size >= cap) continue;
      series.set(k, typeof v === 'number' ? v : { counts: [...v.counts], sum: v.sum, count: v.count });
    } else if (typeof have === 'number') {
      series.set(k, have + (v as number));
    } else {
      const h = v as HistogramSeries;
      for (let i = 0; i < have.counts.length; i++) have.counts[i]! += h.counts[i] ?? 0;
      have.sum += h.sum;
      have.count += h.count;
    }
  }
}

/**
 * Sums snapshots: families in the order they first appear, series in the order first seen.
 * A family whose type or buckets differ from the first one of its name (not possible between
 * workers running the same code) is skipped rather than merged wrongly.
 */
export function mergeSnapshots(snapshots: readonly RegistrySnapshot[]): RegistrySnapshot {
  const merged = new Map<string, { head: FamilySnapshot; series: Series }>();
  for (const snap of snapshots) {
    for (const f of snap) {
      let m = merged.get(f.name);
      if (!m) merged.set(f.name, (m = { head: f, series: new Map() }));
      else if (m.head.type !== f.type || (f.type === 'histogram' && String(f.buckets) !== String((m.head as typeof f).buckets))) continue;
      addInto(m.series, f);
    }
  }
  return [...merged.values()].map(({ head, series }) => ({ ...head, series: [...series] }) as FamilySnapshot);
}

/** Only what accumulates: counters and histograms (a dead worker's gauges no longer hold anything). */
export function cumulativeOnly(snap: RegistrySnapshot): RegistrySnapshot {
  return snap.filter((f) => f.type !== 'gauge');
}

/**
 * Adds a dead worker's last counters and histograms to the totals carried for the dead, so the
 * merged counters never go down when a worker is replaced. At most MAX_CARRIED_SERIES label
 * sets per metric: a label set beyond that is dropped (for that series Prometheus sees a
 * counter reset, which it handles).
 */
export function carry(carried: RegistrySnapshot, dead: RegistrySnapshot): RegistrySnapshot {
  const byName = new Map<string, { head: FamilySnapshot; series: Series }>();
  for (const f of carried) {
    const series: Series = new Map();
    addInto(series, f); // copies: `carried` is left as it was
    byName.set(f.name, { head: f, series });
  }
  for (const f of cumulativeOnly(dead)) {
    let m = byName.get(f.name);
    if (!m) byName.set(f.name, (m = { head: f, series: new Map() }));
    else if (m.head.type !== f.type) continue;
    addInto(m.series, f, MAX_CARRIED_SERIES);
  }
  return [...byName.values()].map(({ head, series }) => ({ ...head, series: [...series] }) as FamilySnapshot);
}

/** A gauge without labels, for what the merge itself reports (workers alive, workers answered). */
export function gauge(name: string, help: string, value: number): FamilySnapshot {
  return { type: 'gauge', name, help, labelNames: [], series: [['', value]] };
}
