/**
 * Limits exact across workers: with `backend: memory`, the primary owns the one MemoryBackend
 * and each worker's limiter asks it over the cluster IPC channel. An admission is still one
 * synchronous step in one process, so the memory backend's bounds (docs/limits.md) hold across
 * the workers as they hold in a single process. (With `backend: redis` the workers share Redis
 * as replicas do; nothing goes through the primary.)
 */
import type { Worker } from 'node:cluster';
import type { AdmitResult, Adjustment, Charge, LimiterBackend } from '../../limits/backend.js';
import { MemoryBackend } from '../../limits/memory.js';

type Call =
  | { op: 'admit'; id: string; charges: readonly Charge[] }
  | { op: 'settle'; id: string; adjustments: readonly Adjustment[]; leaseKeys: readonly string[] }
  | { op: 'renew'; id: string; leaseKeys: readonly string[]; ttlMs: number };

interface Request { t: 'warden-limiter'; n: number; call: Call }
interface Reply { t: 'warden-limiter-reply'; n: number; result?: unknown; error?: string }

/** Longest wait for the primary's answer; past it the limiter's `on_backend_error` decides. */
const TIMEOUT_MS = 2_000;

/** The worker's side: a LimiterBackend whose counters live in the primary. */
export class IpcLimiterBackend implements LimiterBackend {
  readonly name = 'memory' as const;
  private n = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly onMessage = (m: unknown) => {
    const r = m as Reply;
    if (r?.t !== 'warden-limiter-reply') return;
    const p = this.pending.get(r.n);
    if (!p) return;
    this.pending.delete(r.n);
    clearTimeout(p.timer);
    if (r.error !== undefined) p.reject(new Error(`limiter in the primary process: ${r.error}`));
    else p.resolve(r.result);
  };

  constructor() {
    process.on('message', this.onMessage);
  }

  private call<T>(call: Call): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!process.send || !process.connected) return reject(new Error('the primary process is gone'));
      const n = ++this.n;
      const timer = setTimeout(() => {
        this.pending.delete(n);
        reject(new Error(`the primary process did not answer the limiter within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      this.pending.set(n, { resolve: resolve as (v: unknown) => void, reject, timer });
      const req: Request = { t: 'warden-limiter', n, call };
      process.send(req, undefined, undefined, (e) => {
        if (!e) return;
        this.pending.delete(n);
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  admit(id: string, charges: readonly Charge[]): Promise<AdmitResult> {
    return this.call({ op: 'admit', id, charges });
  }

  settle(id: string, adjustments: readonly Adjustment[], leaseKeys: readonly string[]): Promise<void> {
    return this.call({ op: 'settle', id, adjustments, leaseKeys });
  }

  renew(id: string, leaseKeys: readonly string[], ttlMs: number): Promise<void> {
    return this.call({ op: 'renew', id, leaseKeys, ttlMs });
  }

  async close(): Promise<void> {
    process.off('message', this.onMessage);
    for (const [n, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('limiter closed'));
      this.pending.delete(n);
    }
  }
}

/** The primary's side: answers one worker's limiter calls from the shared backend. */
export function serveLimiter(worker: Worker, backend: MemoryBackend): void {
  worker.on('message', (m: unknown) => {
    const req = m as Request;
    if (req?.t !== 'warden-limiter') return;
    const c = req.call;
    const run = c.op === 'admit' ? backend.admit(c.id, c.charges) : c.op === 'settle' ? backend.settle(c.id, c.adjustments, c.leaseKeys) : backend.renew(c.id, c.leaseKeys, c.ttlMs);
    run.then(
      (result) => reply(worker, { t: 'warden-limiter-reply', n: req.n, result }),
      (e: Error) => reply(worker, { t: 'warden-limiter-reply', n: req.n, error: e.message }),
    );
  });
}

function reply(worker: Worker, r: Reply): void {
  // A worker that died meanwhile has no one waiting for the answer.
  if (worker.isConnected()) worker.send(r, undefined, () => undefined);
}
