/**
 * A small Prometheus registry: counters and histograms keyed by label values. Written
 * by hand because the hot path needs only an increment on a Map, and /metrics needs
 * only the text exposition format.
 */
const SEP = '\u0001';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/**
 * One metric's values as plain data (what crosses the cluster IPC channel for a merged
 * /metrics, merge.ts): each series keyed by its label values joined with SERIES_KEY_SEP, a
 * histogram's counts per bucket (not cumulative; the +Inf bucket is `count`).
 */
export type FamilySnapshot =
  | { type: 'counter' | 'gauge'; name: string; help: string; labelNames: readonly string[]; series: Array<[key: string, value: number]> }
  | { type: 'histogram'; name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; series: Array<[key: string, value: HistogramSeries]> };
export interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}
export type RegistrySnapshot = FamilySnapshot[];
export const SERIES_KEY_SEP = SEP;

function labelValues(f: FamilySnapshot, key: string): string[] {
  return key === '' && !f.labelNames.length ? [] : key.split(SEP);
}

/** The Prometheus text exposition of metric snapshots (one process's, or merged). */
export function renderSnapshot(families: readonly FamilySnapshot[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type !== 'histogram') {
      for (const [k, v] of f.series) out.push(`${f.name}${labelText(f.labelNames, labelValues(f, k))} ${v}`);
      continue;
    }
    for (const [k, s] of f.series) {
      const values = labelValues(f, k);
      let cumulative = 0;
      for (let i = 0; i < f.buckets.length; i++) {
        cumulative += s.counts[i]!;
        out.push(`${f.name}_bucket${labelText(f.labelNames, values, `le="${f.buckets[i]}"`)} ${cumulative}`);
      }
      out.push(`${f.name}_bucket${labelText(f.labelNames, values, 'le="+Inf"')} ${s.count}`);
      out.push(`${f.name}_sum${labelText(f.labelNames, values)} ${s.sum}`, `${f.name}_count${labelText(f.labelNames, values)} ${s.count}`);
    }
  }
  return out.join('\n') + '\n';
}

interface Metric {
  snapshot(): FamilySnapshot;
}

export class Counter implements Metric {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {}

  inc(labels: readonly string[], v = 1): void {
    const k = labels.join(SEP);
    this.values.set(k, (this.values.get(k) ?? 0) + v);
  }

  get(labels: readonly string[]): number {
    return this.values.get(labels.join(SEP)) ?? 0;
  }

  snapshot(): FamilySnapshot {
    return { type: 'counter', name: this.name, help: this.help, labelNames: this.labelNames, series: [...this.values] };
  }
}

export class Gauge implements Metric {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {}
  add(labels: readonly string[], v: number): void {
    const k = labels.join(SEP);
    this.values.set(k, (this.values.get(k) ?? 0) + v);
  }
  set(labels: readonly string[], v: number): void {
    this.values.set(labels.join(SEP), v);
  }
  snapshot(): FamilySnapshot {
    return { type: 'gauge', name: this.name, help: this.help, labelNames: this.labelNames, series: [...this.values] };
  }
}

export class Histogram implements Metric {
  private series = new Map<string, { counts: Float64Array; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[], readonly buckets: readonly number[]) {}

  observe(labels: readonly string[], v: number): void {
    const k = labels.join(SEP);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) { s.counts[i]!++; break; }
    s.sum += v;
    s.count++;
  }

  snapshot(): FamilySnapshot {
    const series: Array<[string, HistogramSeries]> = [];
    for (const [k, s] of this.series) series.push([k, { counts: Array.from(s.counts), sum: s.sum, count: s.count }]);
    return { type: 'histogram', name: this.name, help: this.help, labelNames: this.labelNames, buckets: this.buckets, series };
  }
}

export class Registry {
  private metrics: Metric[] = [];
  counter(name: string, help: string, labels: readonly string[] = []): Counter {
    const m = new Counter(name, help, labels);
    this.metrics.push(m);
    return m;
  }
  gauge(name: string, help: string, labels: readonly string[] = []): Gauge {
    const m = new Gauge(name, help, labels);
    this.metrics.push(m);
    return m;
  }
  histogram(name: string, help: string, labels: readonly string[], buckets: readonly number[]): Histogram {
    const m = new Histogram(name, help, labels, buckets);
    this.metrics.push(m);
    return m;
  }
  /** Every metric's values as plain data, for a merge across worker processes. */
  snapshot(): RegistrySnapshot {
    return this.metrics.map((m) => m.snapshot());
  }
  render(): string {
    return renderSnapshot(this.snapshot());
  }
}
