/** The limits stage: public surface for doors, the pipeline and the config schema. */
export { limitsSchema, type LimitsConfig, type LimitsConfigInput, type LimitRule, type PriceEntry } from './config.js';
export { Limiter, type Admission, type LimitContext, type MetricsSink } from './limiter.js';
export { createLimiter, createLimiterBackend } from './create.js';
export type { LimiterBackend, Charge, Adjustment, AdmitResult, Refusal } from './backend.js';
export { MemoryBackend } from './memory.js';
export { RedisBackend, BackendUnavailableError } from './redis.js';
export { PriceTable, priceFor, costUsd, type Price, type TokenUsage } from './prices.js';
export { toolCallFingerprint } from './loop.js';
