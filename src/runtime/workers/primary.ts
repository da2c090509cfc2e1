/**
 * `warden start --workers N`: the primary process of a node:cluster. It serves no requests:
 * it forks N workers that share the listeners (the cluster hands connections out in turn),
 * owns the memory limiter they all ask (ipc-limiter.ts), relays questions between workers
 * (siblings.ts), merges their metrics for /metrics (ipc-metrics.ts), forwards SIGHUP (reload) to each,
 * replaces a worker that dies, and stops them all on SIGINT/SIGTERM.
 */
import cluster, { type Worker } from 'node:cluster';
import { MemoryBackend } from '../../limits/memory.js';
import { serveLimiter } from './ipc-limiter.js';
import { RelayState, serveSiblings } from './siblings.js';
import { MetricsCollector } from './ipc-metrics.js';
import { WORKER_SLOT_ENV } from './slot.js';
import type { WorkerMessage } from './worker.js';

export interface PrimaryOptions {
  workers: number;
  /** Where the primary reports (the banner, workers started, died and replaced). */
  err: (s: string) => void;
  /** Stops the cluster (tests); SIGINT/SIGTERM do otherwise. */
  signal?: AbortSignal;
}

/** A worker that dies sooner than this after its start is restarted only after this delay: no crash loop at full speed. */
const MIN_LIFE_MS = 1_000;
const STOP_GRACE_MS = 10_000;

export async function runPrimary(opts: PrimaryOptions): Promise<number> {
  const limiter = new MemoryBackend();
  const bySlot = new Map<number, Worker>();
  const relay = new RelayState();
  const metrics = new MetricsCollector(() => [...bySlot.values()]);
  let stopping = false;

  const fork = (slot: number): Promise<WorkerMessage & { t: 'ready' }> => {
    const w = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
    const started = Date.now();
    bySlot.set(slot, w);
    serveLimiter(w, limiter);
    serveSiblings(w, () => bySlot.values(), relay);
    metrics.attach(w);
    w.on('error', () => undefined); // IPC to a dying worker: its exit is handled below
    const ready = new Promise<WorkerMessage & { t: 'ready' }>((resolve, reject) => {
      w.on('message', (m: WorkerMessage) => {
        if (m?.t === 'ready') resolve(m);
      });
      w.once('exit', (code, signal) => reject(new Error(`worker ${slot} exited before it was ready (${signal ?? `code ${code}`})`)));
    });
    w.once('exit', (code, signal) => {
      if (bySlot.get(slot) === w) bySlot.delete(slot);
      if (stopping) return;
      opts.err(`worker ${slot} (pid ${w.process.pid}) died (${signal ?? `code ${code}`}); starting another\n`);
      const delay = Date.now() - started < MIN_LIFE_MS ? MIN_LIFE_MS : 0;
      setTimeout(() => {
        if (stopping) return;
        fork(slot).then(
          (m) => opts.err(`worker ${slot} (pid ${m.pid}) started\n`),
          (e: Error) => opts.err(`${e.message}\n`),
        );
      }, delay).unref();
    });
    ready.catch(() => undefined);
    return ready;
  };

  // The first worker alone first: it creates the store, the audit key and a bootstrap key
  // that the others must find rather than race for.
  let first: WorkerMessage & { t: 'ready' };
  try {
    first = await fork(1);
    const rest = await Promise.all(Array.from({ length: opts.workers - 1 }, (_, i) => fork(i + 2)));
    for (const m of [first, ...rest]) opts.err(`worker ${m.slot} (pid ${m.pid}) started\n`);
  } catch (e) {
    stopping = true;
    await stopAll(bySlot);
    opts.err(`${(e as Error).message}\n`);
    return 1;
  }
  opts.err(first.banner.replace('Warden is listening on', `Warden is listening (${opts.workers} workers) on`));

  const reload = () => {
    for (const w of bySlot.values()) if (w.isConnected()) w.send({ t: 'reload' }, undefined, () => undefined);
  };
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    opts.signal?.addEventListener('abort', stop, { once: true });
  });
  stopping = true;
  process.off('SIGHUP', reload);
  await stopAll(bySlot);
  await limiter.close();
  return 0;
}

/** Asks every worker to finish its requests and exit; kills those still running after the grace time. */
async function stopAll(bySlot: Map<number, Worker>): Promise<void> {
  await Promise.all(
    [...bySlot.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const t = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS);
          w.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          if (w.isConnected()) w.send({ t: 'stop' }, undefined, () => undefined);
          else w.process.kill('SIGTERM');
        }),
    ),
  );
}
