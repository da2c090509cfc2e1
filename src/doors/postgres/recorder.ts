/**
 * Session recording into the audit log: one record when the session opens (who, from where,
 * database, upstream role, grant) and then one record per burst of events — every query,
 * parse, bind, execute, decision, result summary, error, approval and the close — gathered
 * for at most FLUSH_MS, so a busy session costs a few audit appends a second, not one per
 * round trip (an append is a hashed, written line: measured, one per round trip cut
 * `pgbench -M prepared` through the door to a third). Refusals and the close are written at once. Statement texts pass
 * through the masker (a literal can hold a card number or a password) and are cut; result
 * rows are never recorded.
 */
import type { Consumer, DecisionRecord, Exchange, KeyInfo, PgSessionRecord } from '../../core/exchange.js';
import { requestId } from '../../core/ids.js';
import type { SessionEventKind, SessionRecorder } from './ports.js';

const MAX_SQL_CHARS = 4096;
const MAX_EVENTS_PER_RECORD = 1024;
const FLUSH_MS = 200;

export interface SessionFacts {
  session: string;
  consumer: Consumer;
  key: KeyInfo | undefined;
  database: string;
  remote: string;
  upstreamRole: string;
  grant: string | undefined;
  tls: boolean;
  application: string | undefined;
}

export interface Recorder extends SessionRecorder {
  flush(): void;
}

export function createRecorder(finish: (ex: Exchange) => void, f: SessionFacts, maskText: ((s: string) => string) | undefined): Recorder {
  // Drivers repeat their statements: the masked form of a text is computed once per session.
  const masked = new Map<string, string>();
  const mask = (s: string) => {
    if (!maskText) return s;
    let m = masked.get(s);
    if (m === undefined) {
      m = maskText(s);
      if (masked.size >= 256) masked.clear();
      masked.set(s, m);
    }
    return m;
  };
  let events: PgSessionRecord['events'] = [];
  let decision: DecisionRecord | undefined;
  let timer: NodeJS.Timeout | undefined;
  let start = Date.now();
  let startHr = process.hrtime.bigint();

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!events.length) return;
    const ex: Exchange = {
      id: requestId(),
      door: 'postgres',
      start,
      startHr,
      method: 'SQL',
      route: `/${f.database}`,
      consumer: f.consumer,
      sessionId: f.session,
      status: 200,
      pg: { session: f.session, events },
    };
    if (f.key) ex.key = f.key;
    if (decision) ex.decision = decision;
    events = [];
    decision = undefined;
    start = Date.now();
    startHr = process.hrtime.bigint();
    finish(ex);
  };

  const rec: Recorder = {
    event(kind: SessionEventKind, facts: Record<string, unknown>) {
      // One copy of the facts (undefined members are left out of the JSON line anyway).
      const e: PgSessionRecord['events'][number] = { at: Date.now(), kind, ...facts };
      if (facts.sql !== undefined) e.sql = clip(mask(String(facts.sql)));
      if (facts.message !== undefined) e.message = clip(mask(String(facts.message)));
      events.push(e);
      // The most consequential decision of the burst becomes the record's decision.
      if (kind === 'decision' || kind === 'approval') {
        const outcome = facts.outcome as DecisionRecord['outcome'];
        if (!decision || rank(outcome) > rank(decision.outcome)) decision = { outcome, rule: String(facts.rule ?? ''), ...(facts.reason ? { reason: String(facts.reason) } : {}) };
      }
      if (kind === 'close' || kind === 'open' || events.length >= MAX_EVENTS_PER_RECORD || (kind === 'decision' && facts.outcome !== 'allow')) return flush();
      if (!timer) {
        timer = setTimeout(flush, FLUSH_MS);
        timer.unref();
      }
    },
    flush,
  };
  rec.event('open', { remote: f.remote, database: f.database, role: f.upstreamRole, grant: f.grant, tls: f.tls, application: f.application });
  return rec;
}

const rank = (o: DecisionRecord['outcome']) => (o === 'deny' ? 3 : o === 'ask' ? 2 : o === 'redact' ? 1 : 0);

function clip(s: string): string {
  return s.length > MAX_SQL_CHARS ? `${s.slice(0, MAX_SQL_CHARS)}…[truncated]` : s;
}
