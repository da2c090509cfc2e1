/** Turns a finished exchange into its audit record. Runs once per request. */
import type { Exchange } from '../core/exchange.js';
import type { AuditRecord } from './types.js';

export interface RecordOptions {
  /** Cut each captured body to this many UTF-8 bytes (audit.capture_max_bytes). */
  maxBodyBytes?: number;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
const round3 = (n: number) => Math.round(n * 1e3) / 1e3;
/** A number that JSON can carry; NaN and Infinity would serialise as null and break readers. */
const finite = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n : 0);

/** One `toISOString` per millisecond: a busy proxy finishes several exchanges in the same one. */
let lastMs = Number.NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/**
 * `now` is when the exchange finished (ms since epoch): it becomes `time`, so records are
 * in time order in the file; the arrival time is `time − latency_ms`.
 */
export function exchangeToRecord(ex: Exchange, now: number, opts: RecordOptions = {}): AuditRecord {
  const u = ex.usage;
  const latency = Number(process.hrtime.bigint() - ex.startHr) / 1e6;
  const rec: AuditRecord = {
    time: isoTime(now),
    request_id: ex.id,
    door: ex.door,
    method: ex.method,
    route: stripQuery(ex.route),
    consumer: ex.consumer?.name ?? ex.key?.consumer ?? null,
    key_id: ex.key?.id ?? null,
    session_id: ex.sessionId ?? null,
    model: ex.model ?? null,
    provider: ex.provider ?? null,
    // No policy decision: an error stopped the exchange first, or nothing needed deciding.
    decision: ex.decision?.outcome ?? (ex.errorCode ? 'error' : 'allow'),
    rule: ex.decision?.rule ?? null,
    reason: ex.decision?.reason ?? null,
    status: ex.status ?? 0,
    error_code: ex.errorCode ?? null,
    // All input the model read: uncached, read from cache and written to cache.
    tokens_in: u ? finite(u.inputTokens) + finite(u.cacheReadTokens) + finite(u.cacheWriteTokens) : 0,
    tokens_out: u ? finite(u.outputTokens) : 0,
    cost_usd: round6(finite(ex.costUsd)),
    latency_ms: round3(Math.max(0, latency)),
    upstream_latency_ms: ex.upstreamMs === undefined || !Number.isFinite(ex.upstreamMs) ? null : round3(ex.upstreamMs),
    tools: ex.tools ? ex.tools.slice() : [],
    client_aborted: ex.clientAborted === true,
  };
  if (ex.principal) {
    rec.issuer = ex.principal.issuer;
    rec.subject = ex.principal.subject;
  }
  if (ex.responseFindings?.length) rec.response_findings = ex.responseFindings.slice();
  if (ex.toolDecisions?.length) rec.tool_decisions = ex.toolDecisions.map((d) => ({ ...d }));
  if (ex.mcp) {
    const m = ex.mcp;
    rec.mcp = { method: m.method };
    if (m.session) rec.mcp.session = m.session;
    if (m.server) rec.mcp.server = m.server;
    if (m.tool) rec.mcp.tool = m.tool;
    if (m.arguments !== undefined) rec.mcp.arguments = m.arguments;
    if (m.result) rec.mcp.result = m.result;
    if (m.toolUseId) rec.mcp.tool_use_id = m.toolUseId;
    if (m.progressToken) rec.mcp.progress_token = m.progressToken;
    if (m.traceparent) rec.mcp.traceparent = m.traceparent;
    if (m.mismatch) rec.mcp.mismatch = m.mismatch;
    if (m.client) rec.mcp.client_address = m.client;
  }
  // The recorder hands its events over and never touches them again: no copy per event.
  if (ex.pg) rec.pg = { session: ex.pg.session, events: ex.pg.events };
  if (ex.bodies && (ex.bodies.request !== undefined || ex.bodies.response !== undefined)) {
    const max = opts.maxBodyBytes;
    rec.bodies = {};
    if (ex.bodies.request !== undefined) rec.bodies.request = cut(ex.bodies.request, max);
    if (ex.bodies.response !== undefined) rec.bodies.response = cut(ex.bodies.response, max);
  }
  return rec;
}

/** Query strings are dropped: clients put keys there (`?key=…`) — threat: secrets in the audit trail. */
function stripQuery(route: string): string {
  const q = route.indexOf('?');
  return q < 0 ? route : route.slice(0, q);
}

/** Cuts to at most `max` UTF-8 bytes without splitting a character, marking the cut. */
export function cut(s: string, max: number | undefined): string {
  if (max === undefined || Buffer.byteLength(s) <= max) return s;
  const b = Buffer.from(s).subarray(0, max);
  let end = b.length;
  // Step back over a partial multi-byte sequence (continuation bytes are 10xxxxxx).
  let i = end - 1;
  while (i >= 0 && (b[i]! & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = b[i]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return `${b.toString('utf8', 0, end)}…[truncated]`;
}
