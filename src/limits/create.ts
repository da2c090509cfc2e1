/** Builds the configured limiter backend (and the limiter on top of it). */
import type { LimiterBackend } from './backend.js';
import type { LimitsConfig } from './config.js';
import { Limiter, type MetricsSink } from './limiter.js';
import { MemoryBackend } from './memory.js';
import { RedisBackend } from './redis.js';

export async function createLimiterBackend(cfg: LimitsConfig): Promise<LimiterBackend> {
  if (cfg.backend === 'memory') return new MemoryBackend();
  return RedisBackend.connect({
    url: cfg.redis.url,
    keyPrefix: cfg.redis.key_prefix,
    timeoutMs: cfg.redis.timeout_ms,
    connectTimeoutMs: cfg.redis.connect_timeout_ms,
  });
}

export async function createLimiter(cfg: LimitsConfig, metrics?: MetricsSink): Promise<Limiter> {
  return new Limiter(cfg, await createLimiterBackend(cfg), metrics);
}
