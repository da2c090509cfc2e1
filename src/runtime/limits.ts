/**
 * The limiter of a snapshot. Its rules change with every reload, but its backend (the
 * counters) must not: a reload that reset every rate limit and budget would be a way around
 * them. So the backend is kept as long as its own settings (`backend`, `redis`) are the same.
 */
import type { LimitsConfig } from '../limits/config.js';
import { Limiter, type MetricsSink } from '../limits/limiter.js';
import type { LimiterBackend } from '../limits/backend.js';
import { MemoryBackend } from '../limits/memory.js';
import { RedisBackend } from '../limits/redis.js';
import type { WardenMetrics } from '../telemetry/warden-metrics.js';
import { IpcLimiterBackend } from './workers/ipc-limiter.js';
import { workerSlot } from './workers/slot.js';

export interface SnapshotLimiter {
  /** undefined when no rule is configured: the door skips the stage. */
  readonly limiter: Limiter | undefined;
  readonly backend: LimiterBackend;
  /** The settings the backend was built from, to decide reuse on reload. */
  readonly backendKey: string;
}

const backendKey = (cfg: LimitsConfig): string => JSON.stringify([cfg.backend, cfg.backend === 'redis' ? cfg.redis : null]);

/** Adapts the limiter's named counters to Warden's metric registry. */
export function limiterMetrics(m: WardenMetrics): MetricsSink {
  return {
    inc(name, labels, v = 1) {
      if (name === 'warden_limiter_refusals_total') m.limiterRefusals.inc([labels.rule ?? '', labels.limit ?? ''], v);
      else if (name === 'warden_limiter_fail_open_total') m.limiterFailOpen.inc([labels.backend ?? ''], v);
      else if (name === 'warden_limiter_backend_errors_total') m.limiterBackendErrors.inc([labels.backend ?? '', labels.op ?? ''], v);
    },
  };
}

function newBackend(cfg: LimitsConfig): LimiterBackend {
  // Under `--workers N` the memory counters live in the primary, so limits hold across workers.
  if (cfg.backend === 'memory') return workerSlot() === undefined ? new MemoryBackend() : new IpcLimiterBackend();
  const b = new RedisBackend({ url: cfg.redis.url, keyPrefix: cfg.redis.key_prefix, timeoutMs: cfg.redis.timeout_ms, connectTimeoutMs: cfg.redis.connect_timeout_ms });
  // Connects in the background; until it is ready, on_backend_error decides.
  void b.start();
  return b;
}

export function buildSnapshotLimiter(cfg: LimitsConfig, previous: SnapshotLimiter | undefined, metrics: MetricsSink | undefined): SnapshotLimiter {
  const key = backendKey(cfg);
  const backend = previous && previous.backendKey === key ? previous.backend : newBackend(cfg);
  return { limiter: cfg.rules.length ? new Limiter(cfg, backend, metrics) : undefined, backend, backendKey: key };
}

/**
 * A replaced backend still has requests in flight that will settle against it; it is
 * closed after the longest a lease may live, by then they have settled or expired.
 */
export function retireSnapshotLimiter(old: SnapshotLimiter, next: SnapshotLimiter | undefined, graceMs: number): void {
  if (next && next.backend === old.backend) return;
  const t = setTimeout(() => void old.backend.close().catch(() => undefined), graceMs);
  t.unref();
}

/** Waits (bounded) for a Redis backend's first connection, so a fresh start does not refuse its first requests. */
export async function limiterReady(l: SnapshotLimiter, timeoutMs: number): Promise<void> {
  if (!(l.backend instanceof RedisBackend)) return;
  await l.backend.ready(timeoutMs);
}
