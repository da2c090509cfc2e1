/**
 * The limit stage: turns the rules that apply to an exchange into one atomic admission
 * on the backend, and explains refusals. Requests, tokens, concurrency, money, request
 * budgets and runaway tool-call loops, per key, consumer, team, session or globally.
 */
import { randomUUID } from 'node:crypto';
import { WardenError } from '../core/errors.js';
import { HeldAdmission, NO_ADMISSION_HOLD, type Admission, type MoneyHold, type TokenHold } from './admission.js';
import type { Charge, LimiterBackend } from './backend.js';
import type { LimitsConfig } from './config.js';
import { periodOf } from './periods.js';
import { PriceTable, type TokenUsage } from './prices.js';
import { refusalError, type ChargeMeta } from './refusal.js';
import { compileRules, counterKey, type CompiledRule, type LimitSubjectContext } from './rules.js';

export type { Admission } from './admission.js';

export interface MetricsSink {
  inc(name: string, labels: Record<string, string>, v?: number): void;
}

export interface LimitContext extends LimitSubjectContext {
  /** Prompt size estimate, reserved against token limits until settle. */
  estimatedInputTokens: number;
  /** Output estimate to reserve as well (e.g. a share of max_tokens); default 0. */
  estimatedOutputTokens?: number;
  /** Fingerprint of the latest tool call(s) (toolCallFingerprint), for loop rules. */
  toolCall?: string | undefined;
}

interface Plan {
  charges: Charge[];
  metas: ChargeMeta[];
  tokens: TokenHold[];
  money: MoneyHold[];
  leaseKeys: string[];
}

export class Limiter {
  readonly prices: PriceTable;
  /** Some rule is a loop guard: only then must the door fingerprint the request's tool calls. */
  readonly readsToolCalls: boolean;
  private readonly rules: CompiledRule[];
  private readonly clock: () => number;

  constructor(
    private readonly cfg: LimitsConfig,
    private readonly backend: LimiterBackend,
    private readonly metrics?: MetricsSink,
    opts: { clock?: () => number } = {},
  ) {
    this.prices = new PriceTable(cfg.prices, cfg.builtin_prices);
    this.rules = compileRules(cfg.rules);
    this.readsToolCalls = cfg.rules.some((r) => r.loop !== undefined);
    this.clock = opts.clock ?? Date.now;
  }

  /** Admit the request or throw WARDEN_E_RATE_LIMITED / _BUDGET_EXHAUSTED / _LIMITER_UNAVAILABLE. */
  async check(ctx: LimitContext): Promise<Admission> {
    const now = this.clock();
    const plan = this.plan(ctx, now);
    if (plan.charges.length === 0) return NO_ADMISSION_HOLD;
    const id = randomUUID();
    let result;
    try {
      result = await this.backend.admit(id, plan.charges);
    } catch (e) {
      return this.backendDown(e);
    }
    if (!result.ok) {
      for (const r of result.refused) {
        const m = plan.metas[r.index]!;
        this.metrics?.inc('warden_limiter_refusals_total', { rule: m.rule.id, limit: m.kind });
      }
      throw refusalError(result.refused, plan.metas, now);
    }
    return new HeldAdmission(
      { backend: this.backend, prices: this.prices, onError: (op) => this.countError(op) },
      id,
      ctx.model,
      plan.tokens,
      plan.money,
      plan.leaseKeys,
      this.cfg.lease_ttl,
    );
  }

  /** USD for one answer from the price table; the door uses it for accounting even without rules. */
  cost(model: string, usage: TokenUsage): number {
    return this.prices.cost(model, usage);
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private plan(ctx: LimitContext, now: number): Plan {
    const plan: Plan = { charges: [], metas: [], tokens: [], money: [], leaseKeys: [] };
    for (const { rule, subjects } of this.rules) {
      const subs = subjects(ctx);
      if (subs.length === 0) continue;
      for (const subject of subs) {
        const add = (charge: Charge, kind: ChargeMeta['kind'], cost: number, periodEnd?: number | null): void => {
          plan.charges.push(charge);
          plan.metas.push({ rule, kind, scope: rule.scope, subject, cost, ...(periodEnd !== undefined ? { periodEnd } : {}) });
        };
        const key = (kind: string): string => counterKey(rule.id, kind, rule.scope, subject);
        if (rule.requests) {
          const { limit, window } = rule.requests;
          add({ kind: 'window', key: key('r'), cost: 1, limit, windowMs: window, weighted: false }, 'requests', 1);
        }
        if (rule.tokens) {
          const { limit, window, count } = rule.tokens;
          // A request larger than the whole limit is clamped to it: admitted into an empty window, never locked out forever.
          const reserved = Math.min(limit, this.reserveTokens(ctx, count));
          const k = key('t');
          add({ kind: 'window', key: k, cost: reserved, limit, windowMs: window, weighted: true }, 'tokens', reserved);
          plan.tokens.push({ key: k, windowMs: window, reserved, count });
        }
        if (rule.concurrent) {
          const k = key('c');
          add({ kind: 'lease', key: k, max: rule.concurrent, ttlMs: this.cfg.lease_ttl }, 'concurrent', 1);
          plan.leaseKeys.push(k);
        }
        if (rule.budget) {
          const period = periodOf(rule.budget.period, now);
          const limit = Math.round(rule.budget.usd * 1e6);
          const price = this.prices.priceFor(ctx.model);
          const estimate = Math.ceil((price?.input ?? 0) * ctx.estimatedInputTokens * 1e6);
          const reserved = Number.isFinite(estimate) ? Math.min(limit, Math.max(0, estimate)) : 0;
          const k = key(`usd@${period.name}`);
          add({ kind: 'counter', key: k, cost: reserved, limit, expireAt: period.end }, 'budget', reserved, period.end);
          plan.money.push({ key: k, reservedMicroUsd: reserved, expireAt: period.end });
        }
        if (rule.requests_budget) {
          const period = periodOf(rule.requests_budget.period, now);
          const charge: Charge = { kind: 'counter', key: key(`req@${period.name}`), cost: 1, limit: rule.requests_budget.limit, expireAt: period.end };
          add(charge, 'requests_budget', 1, period.end);
        }
        if (rule.loop && ctx.toolCall) {
          const { repeats, window } = rule.loop;
          add({ kind: 'window', key: key(`loop.${ctx.toolCall}`), cost: 1, limit: repeats, windowMs: window, weighted: false }, 'loop', 1);
        }
      }
    }
    return plan;
  }

  private reserveTokens(ctx: LimitContext, count: readonly string[]): number {
    let n = 0;
    if (count.includes('input')) n += ctx.estimatedInputTokens;
    if (count.includes('output')) n += ctx.estimatedOutputTokens ?? 0;
    // A NaN estimate must not poison shared counters; it reserves nothing and settle records the truth.
    return Number.isFinite(n) ? Math.max(0, Math.ceil(n)) : 0;
  }

  private backendDown(e: unknown): Admission {
    this.countError('admit');
    if (this.cfg.on_backend_error === 'fail_open') {
      this.metrics?.inc('warden_limiter_fail_open_total', { backend: this.backend.name });
      return NO_ADMISSION_HOLD;
    }
    throw new WardenError(
      'WARDEN_E_LIMITER_UNAVAILABLE',
      `the ${this.backend.name} limiter backend is unreachable, so requests are refused until it is back (limits.on_backend_error: fail_closed)`,
      { headers: { 'retry-after': '1' }, rule: 'limits.on_backend_error', cause: e },
    );
  }

  private countError(op: string): void {
    this.metrics?.inc('warden_limiter_backend_errors_total', { backend: this.backend.name, op });
  }
}
