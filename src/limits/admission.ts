/**
 * An admitted request's hold on the limiter: reservations to settle with the real usage,
 * concurrency leases to renew while it runs and release when it ends.
 */
import type { Adjustment, LimiterBackend } from './backend.js';
import type { TokenKind } from './config.js';
import type { PriceTable, TokenUsage } from './prices.js';

export interface Admission {
  /** Tokens reserved against token limits (the largest reservation; 0 when none applies). */
  readonly reservedTokens: number;
  /** Record the real usage and cost, release concurrency. Never rejects: failures are counted. Idempotent. */
  settle(usage: TokenUsage, model?: string): Promise<void>;
  /** The request failed before using tokens: refund reservations, release concurrency. */
  release(): Promise<void>;
}

export interface TokenHold {
  key: string;
  windowMs: number;
  reserved: number;
  count: readonly TokenKind[];
}

export interface MoneyHold {
  key: string;
  reservedMicroUsd: number;
  expireAt: number | null;
}

const ZERO: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

export const NO_ADMISSION_HOLD: Admission = {
  reservedTokens: 0,
  settle: async () => {},
  release: async () => {},
};

export function countTokens(usage: TokenUsage, kinds: readonly TokenKind[]): number {
  let n = 0;
  for (const k of kinds) {
    if (k === 'input') n += usage.inputTokens;
    else if (k === 'output') n += usage.outputTokens;
    else if (k === 'cache_read') n += usage.cacheReadTokens;
    else n += usage.cacheWriteTokens;
  }
  return n;
}

export interface HoldDeps {
  backend: LimiterBackend;
  prices: PriceTable;
  onError: (op: 'settle' | 'renew', e: unknown) => void;
}

export class HeldAdmission implements Admission {
  readonly reservedTokens: number;
  private done = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: HoldDeps,
    private readonly id: string,
    private readonly model: string,
    private readonly tokens: readonly TokenHold[],
    private readonly money: readonly MoneyHold[],
    private readonly leaseKeys: readonly string[],
    leaseTtlMs: number,
  ) {
    this.reservedTokens = tokens.reduce((max, t) => Math.max(max, t.reserved), 0);
    if (leaseKeys.length > 0) {
      // Long streams outlive the lease TTL; renewing keeps the slot while the request lives.
      this.timer = setInterval(() => {
        deps.backend.renew(id, leaseKeys, leaseTtlMs).catch((e: unknown) => deps.onError('renew', e));
      }, Math.max(10, Math.floor(leaseTtlMs / 3)));
      this.timer.unref();
    }
  }

  async settle(usage: TokenUsage, model: string = this.model): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearInterval(this.timer);
    const adjustments: Adjustment[] = [];
    for (const t of this.tokens) {
      const actual = countTokens(usage, t.count);
      adjustments.push({ kind: 'window', key: t.key, delta: actual - t.reserved, actual, windowMs: t.windowMs });
    }
    if (this.money.length > 0) {
      const micro = Math.round(this.deps.prices.cost(model, usage) * 1e6);
      for (const m of this.money) adjustments.push({ kind: 'counter', key: m.key, delta: micro - m.reservedMicroUsd, expireAt: m.expireAt });
    }
    if (adjustments.length === 0 && this.leaseKeys.length === 0) return;
    try {
      await this.deps.backend.settle(this.id, adjustments, this.leaseKeys);
    } catch (e) {
      this.deps.onError('settle', e);
    }
  }

  release(): Promise<void> {
    return this.settle(ZERO);
  }
}
