/**
 * Admin calls refused before anyone was identified (no credential, a wrong key, a virtual key,
 * a forged token) cost the caller nothing, so what they write is bounded: the first BURST
 * are audited one by one, then RATE per second; the rest are only counted
 * (`warden_admin_unaudited_refusals_total`) and summed up in one warning a minute. They never
 * reach the approval trail (a database table). Calls by a verified identity are always audited.
 */
import type { Gateway } from '../runtime/gateway.js';
import type { Counter } from '../telemetry/metrics.js';

const BURST = 100;
const RATE_PER_S = 10;
const LOG_EVERY_MS = 60_000;

interface Budget {
  tokens: number;
  at: number;
  skipped: number;
  loggedAt: number;
  counter: Counter;
}

const budgets = new WeakMap<Gateway, Budget>();

function budgetOf(gw: Gateway, now: number): Budget {
  let b = budgets.get(gw);
  if (!b) {
    const counter = gw.metrics.registry.counter('warden_admin_unaudited_refusals_total', 'Unauthenticated admin calls refused and not audited one by one (over the audit budget for such calls).', []);
    b = { tokens: BURST, at: now, skipped: 0, loggedAt: now, counter };
    budgets.set(gw, b);
  }
  return b;
}

/** True when this unauthenticated refusal may be written to the audit log; false: counted only. */
export function auditUnauthenticatedRefusal(gw: Gateway, now = Date.now()): boolean {
  const b = budgetOf(gw, now);
  b.tokens = Math.min(BURST, b.tokens + ((now - b.at) / 1000) * RATE_PER_S);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  b.counter.inc([]);
  b.skipped++;
  if (now - b.loggedAt >= LOG_EVERY_MS) {
    gw.log.warn('unauthenticated admin calls over the audit budget: counted, not audited one by one', { skipped: b.skipped, since: new Date(b.loggedAt).toISOString() });
    b.skipped = 0;
    b.loggedAt = now;
  }
  return false;
}
