/**
 * Micro-benchmark timing: median over samples of `inner` calls, as wall-clock and as process
 * CPU time per call. CPU time is what to compare on a shared machine: it does not count time
 * spent descheduled.
 */
export interface MicroResult {
  wall: number;
  cpu: number;
  p95Wall: number;
}

export function measureMicro(label: string, fn: (i: number) => void, opts: { inner?: number; samples?: number; warmup?: number } = {}): MicroResult {
  const inner = opts.inner ?? 2000;
  const samples = opts.samples ?? 300;
  for (let i = 0; i < (opts.warmup ?? 100_000); i++) fn(i); // warm-up: let V8 optimise the hot path
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s < samples; s++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn(i);
    wall.push(Number(process.hrtime.bigint() - t0) / inner / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / inner);
  }
  const sorted = (xs: number[]) => xs.slice().sort((a, b) => a - b);
  const w = sorted(wall);
  const r = { wall: w[w.length >> 1]!, cpu: sorted(cpu)[cpu.length >> 1]!, p95Wall: w[Math.floor(w.length * 0.95)]! };
  console.log(`${label.padEnd(42)} wall median ${r.wall.toFixed(2)} µs (p95 ${r.p95Wall.toFixed(2)})  cpu median ${r.cpu.toFixed(2)} µs  [${samples}×${inner} calls]`);
  return r;
}

/** µs per call, medians (the shape the PostgreSQL benches read). */
export interface PerCall {
  wall: number;
  cpu: number;
}

export function perCall(label: string, fn: (i: number) => void, opts: { inner?: number; samples?: number; warmup?: number } = {}): PerCall {
  const { wall, cpu } = measureMicro(label, fn, { ...opts, warmup: opts.warmup ?? (opts.inner ?? 2000) * 5 });
  return { wall, cpu };
}
