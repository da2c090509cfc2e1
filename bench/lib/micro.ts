/**
 * Micro-benchmark timing: medians over `samples` rounds of `inner` calls, as wall-clock and
 * as process CPU time per call. CPU time is what to compare on a shared machine: it does
 * not count time spent descheduled.
 */
export interface PerCall {
  /** µs per call, medians. */
  wall: number;
  cpu: number;
}

export function perCall(label: string, fn: (i: number) => void, opts: { inner?: number; samples?: number; warmup?: number } = {}): PerCall {
  const inner = opts.inner ?? 2000;
  const samples = opts.samples ?? 300;
  const warmup = opts.warmup ?? inner * 5;
  for (let i = 0; i < warmup; i++) fn(i); // let V8 optimise the hot path
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
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  const med = (xs: number[]) => sorted(xs)[xs.length >> 1]!;
  const p95 = (xs: number[]) => sorted(xs)[Math.floor(xs.length * 0.95)]!;
  const r = { wall: med(wall), cpu: med(cpu) };
  console.log(`${label.padEnd(58)} wall median ${r.wall.toFixed(2).padStart(8)} µs (p95 ${p95(wall).toFixed(2)})  cpu median ${r.cpu.toFixed(2).padStart(8)} µs  [${samples}×${inner} calls]`);
  return r;
}
