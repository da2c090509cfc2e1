/**
 * Budget periods in UTC. A period is named by its start (`day:2026-11-21`,
 * `month:2026-11`, `total`) so counters reset by moving to a new key, not by a sweeper.
 */
export type BudgetPeriod = 'day' | 'month' | 'total';

export interface PeriodSpan {
  /** Part of the counter key. */
  name: string;
  /** ms since epoch when the period ends (and the next one starts); null for `total`. */
  end: number | null;
}

export function periodOf(period: BudgetPeriod, now: number): PeriodSpan {
  if (period === 'total') return { name: 'total', end: null };
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const mm = String(m + 1).padStart(2, '0');
  if (period === 'month') return { name: `month:${y}-${mm}`, end: Date.UTC(y, m + 1, 1) };
  const day = d.getUTCDate();
  return { name: `day:${y}-${mm}-${String(day).padStart(2, '0')}`, end: Date.UTC(y, m, day + 1) };
}

/** `2026-11-22T00:00:00Z`: the reset time as people read it. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
