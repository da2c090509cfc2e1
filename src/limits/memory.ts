/**
 * In-memory backend for a single Warden process: exact, synchronous under the hood (so
 * admissions are atomic), idle state swept periodically so client-chosen session ids
 * cannot grow memory without bound.
 */
import type { AdmitResult, Adjustment, Charge, LimiterBackend, Refusal } from './backend.js';

/** Sliding-window log: entries in time order from `head`; positions are absolute (`base` + array index). */
class WindowLog {
  ts: number[] = [];
  ids: string[] = [];
  w: number[] = [];
  head = 0;
  base = 0;
  total = 0;
  readonly byId = new Map<string, number>();
  constructor(public windowMs: number) {}

  trim(now: number): void {
    const edge = now - this.windowMs;
    while (this.head < this.ts.length && this.ts[this.head]! <= edge) {
      this.total -= this.w[this.head]!;
      this.byId.delete(this.ids[this.head]!);
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.ts.length) this.compact();
  }

  private compact(): void {
    this.ts = this.ts.slice(this.head);
    this.ids = this.ids.slice(this.head);
    this.w = this.w.slice(this.head);
    this.base += this.head;
    this.head = 0;
  }

  add(id: string, at: number, weight: number, weighted: boolean): void {
    if (weighted) this.byId.set(id, this.base + this.ts.length);
    this.ts.push(at);
    this.ids.push(id);
    this.w.push(weight);
    this.total += weight;
  }

  /** ms until enough entries leave the window for `cost` to fit under `limit`. */
  retryAfter(cost: number, limit: number, now: number): number {
    let left = this.total;
    for (let i = this.head; i < this.ts.length; i++) {
      left -= this.w[i]!;
      if (left + cost <= limit) return this.ts[i]! + this.windowMs - now;
    }
    return this.windowMs;
  }
}

interface Counter {
  value: number;
  expireAt: number | null;
}

const SWEEP_EVERY_MS = 30_000;

export class MemoryBackend implements LimiterBackend {
  readonly name = 'memory' as const;
  private readonly windows = new Map<string, WindowLog>();
  private readonly counters = new Map<string, Counter>();
  private readonly leases = new Map<string, Map<string, number>>();
  private lastSweep: number;

  constructor(private readonly clock: () => number = Date.now) {
    this.lastSweep = clock();
  }

  async admit(id: string, charges: readonly Charge[]): Promise<AdmitResult> {
    const now = this.clock();
    if (now - this.lastSweep > SWEEP_EVERY_MS) this.sweep(now);
    const refused: Refusal[] = [];
    charges.forEach((c, index) => {
      const r = this.check(c, now);
      if (r) refused.push({ index, ...r });
    });
    if (refused.length > 0) return { ok: false, refused };
    for (const c of charges) this.record(id, c, now);
    return { ok: true };
  }

  private check(c: Charge, now: number): Omit<Refusal, 'index'> | undefined {
    if (c.kind === 'window') {
      const log = this.windows.get(c.key);
      if (!log) return c.cost <= c.limit ? undefined : { used: 0, retryAfterMs: c.windowMs };
      log.trim(now);
      if (log.total + c.cost <= c.limit) return undefined;
      return { used: log.total, retryAfterMs: log.retryAfter(c.cost, c.limit, now) };
    }
    if (c.kind === 'counter') {
      const used = this.counterValue(c.key, now);
      if (used + c.cost <= c.limit) return undefined;
      return { used, retryAfterMs: -1 };
    }
    const held = this.liveLeases(c.key, now);
    if (!held || held.size < c.max) return undefined;
    return { used: held.size, retryAfterMs: Math.max(0, Math.min(...held.values()) - now) };
  }

  private record(id: string, c: Charge, now: number): void {
    if (c.kind === 'window') {
      let log = this.windows.get(c.key);
      if (!log) this.windows.set(c.key, (log = new WindowLog(c.windowMs)));
      log.windowMs = c.windowMs;
      log.add(id, now, c.cost, c.weighted);
    } else if (c.kind === 'counter') {
      this.counters.set(c.key, { value: this.counterValue(c.key, now) + c.cost, expireAt: c.expireAt });
    } else {
      let held = this.leases.get(c.key);
      if (!held) this.leases.set(c.key, (held = new Map()));
      held.set(id, now + c.ttlMs);
    }
  }

  async settle(id: string, adjustments: readonly Adjustment[], leaseKeys: readonly string[]): Promise<void> {
    const now = this.clock();
    for (const a of adjustments) {
      if (a.kind === 'window') this.adjustWindow(id, a, now);
      else {
        const value = this.counterValue(a.key, now);
        if (value === 0 && a.delta <= 0) continue;
        this.counters.set(a.key, { value: Math.max(0, value + a.delta), expireAt: a.expireAt });
      }
    }
    for (const key of leaseKeys) {
      const held = this.leases.get(key);
      held?.delete(id);
      if (held?.size === 0) this.leases.delete(key);
    }
  }

  private adjustWindow(id: string, a: Extract<Adjustment, { kind: 'window' }>, now: number): void {
    let log = this.windows.get(a.key);
    log?.trim(now);
    const pos = log?.byId.get(id);
    if (log && pos !== undefined) {
      const i = pos - log.base;
      const next = Math.max(0, log.w[i]! + a.delta);
      log.total += next - log.w[i]!;
      log.w[i] = next;
      return;
    }
    // The reservation already left the window (a request longer than the window): count the real usage from now.
    if (a.actual <= 0) return;
    if (!log) this.windows.set(a.key, (log = new WindowLog(a.windowMs)));
    log.add(id, now, a.actual, true);
  }

  async renew(id: string, leaseKeys: readonly string[], ttlMs: number): Promise<void> {
    const now = this.clock();
    for (const key of leaseKeys) {
      const held = this.leases.get(key);
      if (held?.has(id)) held.set(id, now + ttlMs);
    }
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.counters.clear();
    this.leases.clear();
  }

  private counterValue(key: string, now: number): number {
    const c = this.counters.get(key);
    if (!c) return 0;
    if (c.expireAt !== null && c.expireAt <= now) {
      this.counters.delete(key);
      return 0;
    }
    return c.value;
  }

  private liveLeases(key: string, now: number): Map<string, number> | undefined {
    const held = this.leases.get(key);
    if (!held) return undefined;
    for (const [id, exp] of held) if (exp <= now) held.delete(id);
    return held;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, log] of this.windows) {
      log.trim(now);
      if (log.head === log.ts.length) this.windows.delete(key);
    }
    for (const key of this.counters.keys()) this.counterValue(key, now);
    for (const [key, held] of this.leases) if (this.liveLeases(key, now)!.size === 0) this.leases.delete(key);
  }

  /** Number of keys held, for tests of the sweep. */
  get size(): number {
    return this.windows.size + this.counters.size + this.leases.size;
  }
}
