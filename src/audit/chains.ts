/**
 * `warden start --workers N` runs one audit chain per worker: a worker writes to its own
 * sub-folder of `audit.dir` (`worker-1`, `worker-2`, …), since a chain has one writer. The
 * commands that read the log (`audit verify`, `tail`, `search`) take every chain of the folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_FILE, listAuditFiles } from './files.js';

const WORKER_DIR = /^worker-(\d+)$/;

/** The folder a worker's chain lives in: slot 1..N. */
export function workerAuditDir(dir: string, slot: number): string {
  return join(dir, `worker-${slot}`);
}

export interface AuditChain {
  /** "main" for the single-process chain in the folder itself, else `worker-N`. */
  name: string;
  dir: string;
}

/**
 * The chains of an audit folder: the folder itself when it holds a chain (or nothing at all,
 * so a missing or empty log is still reported as before), then each worker's, by slot.
 */
export function listAuditChains(dir: string): AuditChain[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [{ name: 'main', dir }];
  }
  const workers = names
    .map((n) => WORKER_DIR.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ slot: Number(m[1]), name: m[0] }))
    .sort((a, b) => a.slot - b.slot)
    .map((w) => ({ name: w.name, dir: join(dir, w.name) }));
  const own = listAuditFiles(dir).length > 0 || existsSync(join(dir, HEAD_FILE));
  return own || workers.length === 0 ? [{ name: 'main', dir }, ...workers] : workers;
}
