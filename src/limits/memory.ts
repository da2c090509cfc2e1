/**
 * In-memory backend for a single Warden process: synchronous under the hood (so admissions
 * are atomic), bounded in memory per counter whatever the request rate and window, idle
 * state swept periodically so client-chosen session ids cannot grow memory without bound.
 */
import type { AdmitResult, Adjustment, Charge, LimiterBackend, Refusal } from './backend.js';

/** Entries a window keeps one per admission before it starts merging them: below this it is exact. */
export const EXACT_ENTRIES = 256;
/** Beyond EXACT_ENTRIES, admissions less than window / SUB_BUCKETS apart share one entry. */
export const SUB_BUCKETS = 64;
/** Weighted admissions remembered per window for settling (far more than ever run at once). */
export const MAX_PENDING_IDS = 1024;

/**
 * A sliding window as a log of entries in time order (from `head`; positions are absolute,
 * `base` + array index). An entry is one admission, or — once the log holds EXACT_ENTRIES
 * live entries — the admissions of one sub-bucket (window / SUB_BUCKETS) merged: it counts
 * until its *latest* admission leaves the window. So memory is at most EXACT_ENTRIES +
 * SUB_BUCKETS + 1 entries whatever the rate, nothing is ever admitted beyond the limit, and
 * an admission counts for at least `window` and at most `window` + one sub-bucket.
 */
class WindowLog {
  /** Time of the latest admission in each entry: the entry leaves the window at last + windowMs. */
  last: number[] = [];
  /** Time of the first admission in each entry: merging stops one sub-bucket after it. */
  first: number[] = [];
  w: number[] = [];
  head = 0;
  base = 0;
  total = 0;
  /** Weighted admissions by id: the entry holding each, and its own weight (settling adjusts it). */
  readonly byId = new Map<string, { pos: number; w: number }>();
  /** byId's ids in insertion (= position) order, from idHead: eviction without iterating the Map. */
  private ids: string[] = [];
  private idHead = 0;
  constructor(public windowMs: number) {}

  get entries(): number {
    return this.last.length - this.head;
  }

  trim(now: number): void {
    const edge = now - this.windowMs;
    while (this.head < this.last.length && this.last[this.head]! <= edge) {
      this.total -= this.w[this.head]!;
      this.head++;
    }
    const firstLive = this.base + this.head;
    while (this.idHead < this.ids.length) {
      const id = this.ids[this.idHead]!;
      const e = this.byId.get(id);
      if (e && e.pos >= firstLive) break;
      if (e) this.byId.delete(id);
      this.idHead++;
    }
    if (this.head > 64 && this.head * 2 > this.last.length) this.compact();
    if (this.idHead > 64 && this.idHead * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.idHead);
      this.idHead = 0;
    }
  }

  private compact(): void {
    this.last = this.last.slice(this.head);
    this.first = this.first.slice(this.head);
    this.w = this.w.slice(this.head);
    this.base += this.head;
    this.head = 0;
  }

  add(id: string, at: number, weight: number, weighted: boolean): void {
    const n = this.last.length;
    const grain = Math.max(1, Math.ceil(this.windowMs / SUB_BUCKETS));
    let pos: number;
    if (n - this.head >= EXACT_ENTRIES && at - this.first[n - 1]! < grain) {
      this.last[n - 1] = Math.max(this.last[n - 1]!, at);
      this.w[n - 1]! += weight;
      pos = this.base + n - 1;
    } else {
      this.last.push(at);
      this.first.push(at);
      this.w.push(weight);
      pos = this.base + n;
    }
    this.total += weight;
    if (!weighted) return;
    if (!this.byId.has(id)) this.ids.push(id);
    this.byId.set(id, { pos, w: weight });
    // Far more than run at once: the oldest has settled long ago (a later settle of it counts as new usage).
    while (this.byId.size > MAX_PENDING_IDS) this.byId.delete(this.ids[this.idHead++]!);
  }

  /** Changes a weighted admission's weight (never below 0); false when it has left the window or is forgotten. */
  adjust(id: string, delta: number): boolean {
    const e = this.byId.get(id);
    if (!e || e.pos < this.base + this.head) return false;
    const next = Math.max(0, e.w + delta);
    this.w[e.pos - this.base]! += next - e.w;
    this.total += next - e.w;
    e.w = next;
    return true;
  }

  /** ms until enough entries leave the window for `cost` to fit under `limit`. */
  retryAfter(cost: number, limit: number, now: number): number {
    let left = this.total;
    for (let i = this.head; i < this.last.length; i++) {
      left -= this.w[i]!;
      if (left + cost <= limit) return this.last[i]! + this.windowMs - now;
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
    if (log?.adjust(id, a.delta)) return;
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
      if (log.entries === 0) this.windows.delete(key);
    }
    for (const key of this.counters.keys()) this.counterValue(key, now);
    for (const [key, held] of this.leases) if (this.liveLeases(key, now)!.size === 0) this.leases.delete(key);
  }

  /** Number of keys held, for tests of the sweep. */
  get size(): number {
    return this.windows.size + this.counters.size + this.leases.size;
  }

  /** What a window key holds (live entries, remembered ids), for tests of the memory bound. */
  windowFootprint(key: string): { entries: number; ids: number } | undefined {
    const log = this.windows.get(key);
    return log && { entries: log.entries, ids: log.byId.size };
  }
}
