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

interface Metric {
  render(out: string[]): void;
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

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [k, v] of this.values) out.push(`${this.name}${labelText(this.labelNames, k === '' && !this.labelNames.length ? [] : k.split(SEP))} ${v}`);
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
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`);
    for (const [k, v] of this.values) out.push(`${this.name}${labelText(this.labelNames, k === '' && !this.labelNames.length ? [] : k.split(SEP))} ${v}`);
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

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const [k, s] of this.series) {
      const values = k === '' && !this.labelNames.length ? [] : k.split(SEP);
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += s.counts[i]!;
        out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${this.buckets[i]}"`)} ${cumulative}`);
      }
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${s.sum}`, `${this.name}_count${labelText(this.labelNames, values)} ${s.count}`);
    }
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
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics) m.render(out);
    return out.join('\n') + '\n';
  }
}
