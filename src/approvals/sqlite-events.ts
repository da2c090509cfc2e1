/**
 * The approval trail in SQLite: every attempt to answer an approval, decided or refused,
 * from the admin API or the CLI. The server copies each event into its audit log once
 * (`claim`), including those the CLI wrote from another process.
 */
import type Database from 'better-sqlite3';
import type { ApprovalEvent } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approval_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  approval TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT,
  via TEXT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('approved', 'denied', 'refused', 'executed')),
  code TEXT,
  reason TEXT NOT NULL,
  consumer TEXT,
  rule TEXT,
  audited INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS approval_events_by_approval ON approval_events(approval, seq);
CREATE INDEX IF NOT EXISTS approval_events_unaudited ON approval_events(audited, seq);
`;

type Row = ApprovalEvent & { audited?: number };

const toEvent = ({ audited: _a, ...e }: Row): ApprovalEvent => e;

/**
 * A table made before executions were recorded checks `outcome` without 'executed'; SQLite
 * cannot change a CHECK, so the table is rebuilt once, under the write lock (another process
 * may be opening the same file).
 */
function allowExecutedOutcome(handle: Database.Database): void {
  const sql = () => String(handle.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'approval_events'").pluck().get() ?? '');
  if (sql().includes("'executed'")) return;
  handle.transaction(() => {
    if (sql().includes("'executed'")) return;
    handle.exec('ALTER TABLE approval_events RENAME TO approval_events_before_executed');
    handle.exec('DROP INDEX IF EXISTS approval_events_by_approval; DROP INDEX IF EXISTS approval_events_unaudited;');
    handle.exec(SCHEMA);
    handle.exec(`INSERT INTO approval_events (seq, approval, at, actor, role, via, action, outcome, code, reason, consumer, rule, audited)
      SELECT seq, approval, at, actor, role, via, action, outcome, code, reason, consumer, rule, audited FROM approval_events_before_executed`);
    handle.exec('DROP TABLE approval_events_before_executed');
  }).immediate();
}

export function approvalEventQueries(handle: Database.Database) {
  handle.exec(SCHEMA);
  allowExecutedOutcome(handle);
  const insert = handle.prepare(`INSERT INTO approval_events (approval, at, actor, role, via, action, outcome, code, reason, consumer, rule)
    VALUES (@approval, @at, @actor, @role, @via, @action, @outcome, @code, @reason, @consumer, @rule)`);
  const byApproval = handle.prepare('SELECT * FROM approval_events WHERE approval = ? ORDER BY seq');
  const unaudited = handle.prepare('SELECT * FROM approval_events WHERE audited = 0 ORDER BY seq LIMIT ?');
  const mark = handle.prepare('UPDATE approval_events SET audited = 1 WHERE seq = ?');
  const anyUnaudited = handle.prepare('SELECT 1 FROM approval_events WHERE audited = 0 LIMIT 1').pluck();
  // IMMEDIATE: the write lock is taken before reading, so a second process waits instead of reading the same rows.
  const claim = handle.transaction((limit: number) => {
    const rows = unaudited.all(limit) as Row[];
    for (const r of rows) mark.run(r.seq);
    return rows.map(toEvent);
  });
  return {
    record(e: Omit<ApprovalEvent, 'seq'>): ApprovalEvent {
      const seq = Number(insert.run(e).lastInsertRowid);
      return { seq, ...e };
    },
    events(approval: string): ApprovalEvent[] {
      return (byApproval.all(approval) as Row[]).map(toEvent);
    },
    claim(limit: number): ApprovalEvent[] {
      // The sweep runs every second: a read first, so an idle store never takes the write lock.
      if (!anyUnaudited.get()) return [];
      return claim.immediate(limit);
    },
  };
}
