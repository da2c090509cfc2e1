/**
 * The limiter backend: a few atomic operations over counters, shared by the in-memory
 * backend (one process) and the Redis backend (all replicas). Every implementation must
 * pass backend.contract.ts. The backend owns the clock (Redis uses its server TIME so
 * replicas with skewed clocks still agree on windows).
 */

/** One thing an admission charges. Keys are opaque strings built by the limiter; costs and limits are integers. */
export type Charge =
  /** Sliding-window log: admit when the costs recorded in the last windowMs plus cost ≤ limit. */
  | { kind: 'window'; key: string; cost: number; limit: number; windowMs: number; /** cost may be settled later */ weighted: boolean }
  /** Period counter (budgets): admit when value + cost ≤ limit. expireAt: epoch ms, or null to keep forever. */
  | { kind: 'counter'; key: string; cost: number; limit: number; expireAt: number | null }
  /** Concurrency: admit when fewer than max unexpired leases are held; the lease lives ttlMs unless renewed. */
  | { kind: 'lease'; key: string; max: number; ttlMs: number };

/** A correction applied when the real usage is known. */
export type Adjustment =
  /** Change the admission's entry by delta (never below 0); if the entry already left the window, record `actual` now. */
  | { kind: 'window'; key: string; delta: number; actual: number; windowMs: number }
  | { kind: 'counter'; key: string; delta: number; expireAt: number | null };

export interface Refusal {
  /** Index into the charges passed to admit. */
  index: number;
  /** What was already used (costs in the window, counter value, leases held). */
  used: number;
  /** ms until enough frees for this charge; -1 when only a period reset helps. */
  retryAfterMs: number;
}

export type AdmitResult = { ok: true } | { ok: false; refused: Refusal[] };

export interface LimiterBackend {
  readonly name: 'memory' | 'redis';
  /** All charges or none, atomically, recorded under the admission id. Lists every refused charge. */
  admit(id: string, charges: readonly Charge[]): Promise<AdmitResult>;
  /** Apply usage corrections and release the admission's leases, atomically. */
  settle(id: string, adjustments: readonly Adjustment[], leaseKeys: readonly string[]): Promise<void>;
  /** Extend the admission's leases (still held) to ttlMs from now. */
  renew(id: string, leaseKeys: readonly string[], ttlMs: number): Promise<void>;
  close(): Promise<void>;
}
