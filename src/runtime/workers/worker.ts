/**
 * One worker of `warden start --workers N`: a whole Warden (startWarden) on the listeners the
 * cluster shares, reporting to the primary. Changes made elsewhere reach it within a second:
 * key revocations through the store's version (Identity re-reads keys when it moves, polled
 * every DATA_VERSION_MS), routes and policies written through another worker's admin API by
 * polling the store's overlay here and reloading, the config file by each worker's own watch,
 * SIGHUP by the primary's message.
 */
import type { Warden } from '../../app.js';
import { serveWorkerMetrics } from './ipc-metrics.js';
import { workerSlot } from './slot.js';

export type WorkerMessage =
  | { t: 'ready'; slot: number; pid: number; banner: string }
  | { t: 'reload' }
  | { t: 'stop' };

const OVERLAY_POLL_MS = 500;

export async function serveAsWorker(w: Warden, banner: string, log: (s: string) => void): Promise<number> {
  const slot = workerSlot()!;
  const store = w.gateway.store;
  let overlay = JSON.stringify(store.listOverlay());
  const poll = setInterval(() => {
    try {
      const now = JSON.stringify(store.listOverlay());
      if (now === overlay) return;
      overlay = now;
      const r = w.reload();
      if (!r.ok) log(`worker ${slot}: reload after an admin change failed: ${r.error}\n`);
    } catch (e) {
      log(`worker ${slot}: reading the store failed: ${(e as Error).message}\n`);
    }
  }, OVERLAY_POLL_MS);
  poll.unref();
  const stopMetrics = serveWorkerMetrics(w.gateway.metrics.registry);
  const ready: WorkerMessage = { t: 'ready', slot, pid: process.pid, banner };
  process.send!(ready);
  // Ctrl-C reaches every process of the group: the primary decides, and asks each worker to stop.
  process.on('SIGINT', () => undefined);
  await new Promise<void>((resolve) => {
    process.on('message', (m: WorkerMessage) => {
      if (m?.t === 'reload') void w.reload();
      else if (m?.t === 'stop') resolve();
    });
    process.once('SIGTERM', () => resolve());
    process.once('disconnect', () => resolve());
  });
  clearInterval(poll);
  stopMetrics();
  await w.close();
  return 0;
}
