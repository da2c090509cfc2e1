/**
 * One http-logger entry per exchange: request and response summary, consumer, route,
 * decision and latencies. Built from the exchange's fields only — no headers, no query,
 * no bodies — so no credential can reach the collector.
 */
import type { Exchange } from '../core/exchange.js';

export interface HttpLogEntry {
  '@timestamp': string;
  request_id: string;
  door: string;
  route: string;
  request: { method: string };
  response: { status: number };
  consumer: { name: string; groups: string[]; level: string | null } | null;
  key_id: string | null;
  session_id: string | null;
  upstream: string | null;
  model: string | null;
  decision: { outcome: string; rule: string; reason: string | null } | null;
  error_code: string | null;
  latency_ms: number;
  upstream_latency_ms: number | null;
  client_aborted: boolean;
}

export function toHttpLogEntry(ex: Exchange): HttpLogEntry {
  const c = ex.consumer;
  return {
    '@timestamp': new Date(ex.start).toISOString(),
    request_id: ex.id,
    door: ex.door,
    route: ex.route,
    request: { method: ex.method },
    response: { status: ex.status ?? 0 },
    consumer: c ? { name: c.name, groups: c.groups, level: c.labels.level ?? null } : null,
    key_id: ex.key?.id ?? null,
    session_id: ex.sessionId ?? null,
    upstream: ex.provider ?? null,
    model: ex.model ?? null,
    decision: ex.decision ? { outcome: ex.decision.outcome, rule: ex.decision.rule, reason: ex.decision.reason ?? null } : null,
    error_code: ex.errorCode ?? null,
    latency_ms: Math.round(Number(process.hrtime.bigint() - ex.startHr) / 1e4) / 100,
    upstream_latency_ms: ex.upstreamMs === undefined ? null : Math.round(ex.upstreamMs * 100) / 100,
    client_aborted: ex.clientAborted === true,
  };
}

/** A batch body: a JSON array, or Elasticsearch `_bulk` NDJSON (an action line before each document). */
export function renderBatch(entries: readonly HttpLogEntry[], format: 'json' | 'elasticsearch_bulk', index: string): { body: string; contentType: string } {
  if (format === 'json') return { body: JSON.stringify(entries), contentType: 'application/json' };
  const action = JSON.stringify({ index: { _index: index } });
  let body = '';
  for (const e of entries) body += `${action}\n${JSON.stringify(e)}\n`;
  return { body, contentType: 'application/x-ndjson' };
}
