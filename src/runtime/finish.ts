import type { AuditRecord, AuditSink } from '../audit/types.js';
import type { Exchange } from '../core/exchange.js';
import type { UsageDelta } from '../store/types.js';
import type { Logger } from '../telemetry/log.js';
import { BoundedLabel, MAX_CONSUMER_LABELS, MAX_MODEL_LABELS, OTHER_LABEL } from '../telemetry/label-values.js';
import type { WardenMetrics } from '../telemetry/warden-metrics.js';

export interface FinishDeps {
  audit: AuditSink;
  toRecord: (ex: Exchange, now: number) => AuditRecord;
  metrics: WardenMetrics;
  log: Logger;
  /** USD for a usage, from the price table. */
  price: (model: string, ex: Exchange) => number;
  /** Whether the config knows a model name (a route matches it); an unknown one is labelled `other`. */
  knownModel?: (model: string) => boolean;
}

/**
 * The end of every exchange: cost, audit record (written synchronously, so it exists
 * before the client sees the last byte), metrics, and usage for the store (batched).
 */
export function createFinisher(deps: FinishDeps) {
  let pending = new Map<string, UsageDelta>();
  const modelLabels = new BoundedLabel(MAX_MODEL_LABELS);
  const consumerLabels = new BoundedLabel(MAX_CONSUMER_LABELS);
  // The UTC day of the usage rows, computed once a day rather than once an exchange.
  let lastDayNo = Number.NaN;
  let lastDay = '';

  const finish = (ex: Exchange): void => {
    const now = Date.now();
    const model = ex.model ?? '';
    if (ex.usage && ex.model) ex.costUsd = deps.price(ex.model, ex);
    if (ex.admission) {
      // Off the response path: the limiter settles the real usage (or refunds) asynchronously.
      const a = ex.admission;
      ex.admission = undefined;
      void (ex.usage && ex.status !== undefined && ex.status < 400 ? a.settle(ex.usage, model || undefined) : a.release());
    }
    try {
      deps.audit.append(deps.toRecord(ex, now));
    } catch (e) {
      deps.metrics.auditFailures.inc([]);
      deps.log.error('audit write failed', { request_id: ex.id, error: (e as Error).message });
    }
    const consumer = ex.consumer?.name ?? '';
    // Label values: a model the client named is kept only when the config routes it, and a
    // new one only once a provider served it, so refused requests cannot mint series; both
    // labels are capped in distinct values (see label-values.ts).
    const served = ex.status !== undefined && ex.status < 400;
    const modelLabel = model === '' ? '' : deps.knownModel && !deps.knownModel(model) ? OTHER_LABEL : modelLabels.value(model, served);
    const consumerLabel = consumerLabels.value(consumer);
    const decision = ex.decision?.outcome ?? (ex.errorCode ? 'error' : 'none');
    const status = String(ex.status ?? 0);
    const m = deps.metrics;
    m.requests.inc([ex.door, consumerLabel, modelLabel, status, decision]);
    m.latency.observe([ex.door, modelLabel], Number(process.hrtime.bigint() - ex.startHr) / 1e9);
    if (ex.upstreamMs !== undefined) m.upstreamLatency.observe([ex.door, ex.provider ?? ''], ex.upstreamMs / 1000);
    if (ex.errorCode) m.errors.inc([ex.door, ex.errorCode]);
    if (ex.usage) {
      const u = ex.usage;
      if (u.inputTokens) m.tokens.inc([ex.door, consumerLabel, modelLabel, 'input'], u.inputTokens);
      if (u.outputTokens) m.tokens.inc([ex.door, consumerLabel, modelLabel, 'output'], u.outputTokens);
      if (u.cacheReadTokens) m.tokens.inc([ex.door, consumerLabel, modelLabel, 'cache_read'], u.cacheReadTokens);
      if (u.cacheWriteTokens) m.tokens.inc([ex.door, consumerLabel, modelLabel, 'cache_write'], u.cacheWriteTokens);
      if (ex.costUsd) m.cost.inc([consumerLabel, modelLabel], ex.costUsd);
    }
    if (ex.responseFindings) for (const f of ex.responseFindings) m.guardFindings.inc(['response', f.slice(0, f.indexOf(':'))]);
    if (ex.toolDecisions) for (const d of ex.toolDecisions) m.toolDecisions.inc([d.outcome]);
    if (ex.key && ex.model && ex.status !== undefined && ex.status < 400) {
      const dayNo = Math.floor(now / 86_400_000);
      if (dayNo !== lastDayNo) {
        lastDay = new Date(now).toISOString().slice(0, 10);
        lastDayNo = dayNo;
      }
      const day = lastDay;
      const k = `${day}\u0001${ex.key.id}\u0001${model}`;
      let d = pending.get(k);
      if (!d) pending.set(k, (d = { day, keyId: ex.key.id, consumer, model, requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }));
      d.requests++;
      d.inputTokens += ex.usage?.inputTokens ?? 0;
      d.outputTokens += ex.usage?.outputTokens ?? 0;
      d.costUsd += ex.costUsd ?? 0;
    }
  };

  /** Hands the usage collected since the last call to the store writer. */
  const drainUsage = (): UsageDelta[] => {
    if (!pending.size) return [];
    const out = [...pending.values()];
    pending = new Map();
    return out;
  };

  return { finish, drainUsage };
}
