/**
 * Turns a refused admission into the WardenError the door renders: 429 rate_limit_error
 * with retry-after; spent budgets use WARDEN_E_BUDGET_EXHAUSTED, which the catalogue marks
 * not retryable (the door adds x-should-retry: false, so Claude Code shows it at once).
 */
import { WardenError } from '../core/errors.js';
import type { Refusal } from './backend.js';
import type { LimitRule, LimitScope } from './config.js';
import { formatDuration } from './duration.js';
import { formatInstant } from './periods.js';
import { describeSubject } from './rules.js';

export type LimitKind = 'requests' | 'tokens' | 'concurrent' | 'budget' | 'requests_budget' | 'loop';

/** What one charge stands for, kept beside it to explain a refusal. */
export interface ChargeMeta {
  rule: LimitRule;
  kind: LimitKind;
  scope: LimitScope;
  subject: string;
  /** The charge's cost (tokens, micro-USD, 1). */
  cost: number;
  /** End of the budget period (epoch ms), null for `total`. */
  periodEnd?: number | null;
}

const NOT_RETRYABLE = new Set<LimitKind>(['budget', 'requests_budget', 'loop']);

const usd = (micro: number): string => `$${(micro / 1e6).toFixed(2)}`;
const inSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

function explain(m: ChargeMeta, r: Refusal): string {
  const who = describeSubject(m.scope, m.subject);
  const rule = m.rule;
  const resets = m.periodEnd ? `; resets at ${formatInstant(m.periodEnd)}` : '';
  switch (m.kind) {
    case 'requests':
      return `rate limit of ${rule.requests!.limit} requests per ${formatDuration(rule.requests!.window)} for ${who} reached; retry in ${inSeconds(r.retryAfterMs)}s`;
    case 'tokens':
      return `token limit of ${rule.tokens!.limit} tokens per ${formatDuration(rule.tokens!.window)} for ${who} reached (${r.used} used, this request reserves ${m.cost}); retry in ${inSeconds(r.retryAfterMs)}s`;
    case 'concurrent':
      return `concurrency limit of ${rule.concurrent} requests in flight for ${who} reached; retry when one finishes`;
    case 'budget':
      return `spending budget of ${usd(rule.budget!.usd * 1e6)} per ${rule.budget!.period} for ${who} is spent (${usd(r.used)} used)${resets}`;
    case 'requests_budget': {
      const per = rule.requests_budget!.period === 'total' ? 'in total' : `per ${rule.requests_budget!.period}`;
      return `request budget of ${rule.requests_budget!.limit} requests ${per} for ${who} is spent${resets}`;
    }
    case 'loop':
      return `the same tool call was asked for more than ${rule.loop!.repeats} times within ${formatDuration(rule.loop!.window)} in ${who}: the agent looks stuck in a loop`;
  }
}

/** A concurrency slot frees when some request ends, which is usually soon; the lease expiry is only the crash bound. */
const waitMs = (m: ChargeMeta, r: Refusal): number => (m.kind === 'concurrent' ? 1000 : r.retryAfterMs);

/** Budgets first (retrying cannot help); otherwise the rate limit that frees last sets retry-after. */
export function refusalError(refused: readonly Refusal[], metas: readonly ChargeMeta[], now: number): WardenError {
  const hard = refused.find((r) => NOT_RETRYABLE.has(metas[r.index]!.kind));
  if (hard) {
    const m = metas[hard.index]!;
    const headers: Record<string, string> = {};
    const until = m.kind === 'loop' ? hard.retryAfterMs : m.periodEnd ? m.periodEnd - now : -1;
    if (until > 0) headers['retry-after'] = String(inSeconds(until));
    return new WardenError(m.kind === 'loop' ? 'WARDEN_E_LOOP_DETECTED' : 'WARDEN_E_BUDGET_EXHAUSTED', `${explain(m, hard)} (rule ${m.rule.id})`, { headers, rule: m.rule.id });
  }
  let worst = refused[0]!;
  for (const r of refused) if (waitMs(metas[r.index]!, r) > waitMs(metas[worst.index]!, worst)) worst = r;
  const m = metas[worst.index]!;
  return new WardenError('WARDEN_E_RATE_LIMITED', `${explain(m, worst)} (rule ${m.rule.id})`, {
    headers: { 'retry-after': String(inSeconds(waitMs(m, worst))) },
    rule: m.rule.id,
  });
}
