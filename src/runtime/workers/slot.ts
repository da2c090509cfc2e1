/**
 * Which worker this process is under `warden start --workers N` (1..N), or undefined in a
 * single process. A replaced worker takes the slot of the one it replaces, so it continues
 * that worker's audit chain.
 */
import cluster from 'node:cluster';

export const WORKER_SLOT_ENV = 'WARDEN_WORKER_SLOT';

export function workerSlot(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const v = Number(process.env[WORKER_SLOT_ENV]);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}
