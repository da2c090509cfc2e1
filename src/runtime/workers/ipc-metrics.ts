/**
 * One /metrics for the whole Warden under `warden start --workers N`: the worker that takes the
 * scrape asks the primary, the primary asks every live worker for its registry's snapshot
 * (plain data, not text), waits at most COLLECT_MS, merges (src/telemetry/merge.ts) and answers
 * the exposition text.
 *
 * Counters stay monotonic: each worker counts through its last snapshot the primary holds. A
 * worker late for a scrape counts through its previous one (its gauges are left out) and a dead
 * worker's last counters and histograms are carried by the primary, so a replacement never
 * makes Warden's totals go down. `warden_workers` and `warden_workers_scraped` say how many
 * workers were alive and how many answered this scrape in time.
 */
import type { Worker } from 'node:cluster';
import type { Registry, RegistrySnapshot } from '../../telemetry/metrics.js';
import { renderSnapshot } from '../../telemetry/metrics.js';
import { carry, cumulativeOnly, gauge, mergeSnapshots } from '../../telemetry/merge.js';

/** Longest wait for the workers' snapshots; a worker later than this is not waited for. */
export const COLLECT_MS = 1_000;
/** The scraping worker's wait for the primary (which answers within COLLECT_MS). */
const ASK_TIMEOUT_MS = 5_000;

type Msg =
  | { t: 'warden-metrics'; n: number }
  | { t: 'warden-metrics-reply'; n: number; text: string }
  | { t: 'warden-metrics-snapshot'; n: number }
  | { t: 'warden-metrics-snapshot-reply'; n: number; snapshot: RegistrySnapshot };

// ---- the worker's side ----

let asked = 0;
const waiting = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

/** In a worker: answers the primary's snapshot requests from `registry`, and takes the merged answers to its own asks. */
export function serveWorkerMetrics(registry: Registry): () => void {
  const on = (m: unknown) => {
    const msg = m as Msg;
    if (msg?.t === 'warden-metrics-snapshot') {
      const reply: Msg = { t: 'warden-metrics-snapshot-reply', n: msg.n, snapshot: registry.snapshot() };
      if (process.connected) process.send!(reply, undefined, undefined, () => undefined);
    } else if (msg?.t === 'warden-metrics-reply') {
      const w = waiting.get(msg.n);
      if (!w) return;
      waiting.delete(msg.n);
      clearTimeout(w.timer);
      w.resolve(msg.text);
    }
  };
  process.on('message', on);
  return () => process.off('message', on);
}

/** In a worker: the merged exposition of every worker, from the primary. */
export function askPrimaryForMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!process.send || !process.connected) return reject(new Error('the primary process is gone'));
    const n = ++asked;
    const timer = setTimeout(() => {
      waiting.delete(n);
      reject(new Error(`the primary process did not answer for /metrics within ${ASK_TIMEOUT_MS} ms`));
    }, ASK_TIMEOUT_MS);
    waiting.set(n, { resolve, reject, timer });
    const ask: Msg = { t: 'warden-metrics', n };
    process.send(ask, undefined, undefined, (e) => {
      if (!e) return;
      waiting.delete(n);
      clearTimeout(timer);
      reject(e);
    });
  });
}

// ---- the primary's side ----

/** In the primary: the collector every worker's asks go to. */
export class MetricsCollector {
  private round = 0;
  /** Each live worker's latest snapshot. */
  private readonly last = new Map<Worker, RegistrySnapshot>();
  /** Counters and histograms of the dead workers, as of their last snapshot. */
  private carried: RegistrySnapshot = [];
  /** Workers that exited: their counts are in `carried` from then on. */
  private readonly gone = new WeakSet<Worker>();
  /** The scrapes being collected, each told of every answer and every worker that exits. */
  private readonly rounds = new Map<number, (w: Worker, s?: RegistrySnapshot) => void>();

  constructor(private readonly live: () => Worker[]) {}

  /** Wires one worker: its asks, its snapshots, its death. */
  attach(w: Worker): void {
    w.on('message', (m: unknown) => {
      const msg = m as Msg;
      if (msg?.t === 'warden-metrics') {
        void this.collect().then((text) => {
          const reply: Msg = { t: 'warden-metrics-reply', n: msg.n, text };
          if (w.isConnected()) w.send(reply, undefined, () => undefined);
        });
      } else if (msg?.t === 'warden-metrics-snapshot-reply') {
        this.last.set(w, msg.snapshot);
        this.rounds.get(msg.n)?.(w, msg.snapshot);
      }
    });
    w.once('exit', () => {
      const last = this.last.get(w);
      this.last.delete(w);
      this.gone.add(w);
      if (last) this.carried = carry(this.carried, last);
      for (const r of this.rounds.values()) r(w);
    });
  }

  /** Asks every live worker, waits for all or COLLECT_MS, merges. */
  async collect(): Promise<string> {
    const workers = this.live().filter((w) => w.isConnected());
    const n = ++this.round;
    const fresh = new Map<Worker, RegistrySnapshot>();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, COLLECT_MS);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      const waitingFor = new Set(workers);
      this.rounds.set(n, (w, s) => {
        if (!waitingFor.delete(w)) return;
        if (s) fresh.set(w, s);
        if (waitingFor.size === 0) done();
      });
      const ask: Msg = { t: 'warden-metrics-snapshot', n };
      for (const w of workers) w.send(ask, undefined, () => undefined);
      if (workers.length === 0) done();
    });
    this.rounds.delete(n);
    const parts: RegistrySnapshot[] = [this.carried];
    // A worker that exited during the round is counted once, in `carried` (its last answer).
    for (const w of workers.filter((x) => !this.gone.has(x))) {
      const s = fresh.get(w);
      if (s) parts.push(s);
      else if (this.last.has(w)) parts.push(cumulativeOnly(this.last.get(w)!));
    }
    const alive = workers.filter((w) => !this.gone.has(w));
    return renderSnapshot([
      ...mergeSnapshots(parts),
      gauge('warden_workers', 'Worker processes alive when this scrape was collected.', alive.length),
      gauge('warden_workers_scraped', 'Workers that answered this scrape in time; a late one counts through its previous answer (counters and histograms only).', alive.filter((w) => fresh.has(w)).length),
    ]);
  }
}
