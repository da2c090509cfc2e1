/**
 * Approvals in SQLite: its own table in the same database file as the main store, so the
 * CLI (another process) answers approvals the server then sees on the next request.
 */
import type Database from 'better-sqlite3';
import { randomBase62 } from '../core/ids.js';
import { openStoreHandle } from '../store/sqlite-handle.js';
import { approvalEventQueries } from './sqlite-events.js';
import type { Approval, ApprovalStore } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  consumer TEXT NOT NULL,
  door TEXT NOT NULL,
  summary TEXT NOT NULL,
  rule TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
  approvers TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  grant_ttl_ms INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  decided_role TEXT,
  decided_via TEXT,
  note TEXT
);
CREATE INDEX IF NOT EXISTS approvals_lookup ON approvals(consumer, fingerprint, created_at);
CREATE INDEX IF NOT EXISTS approvals_status ON approvals(status, expires_at);
`;

interface Row {
  id: string; consumer: string; door: string; summary: string; rule: string; fingerprint: string; status: Approval['status'];
  approvers: string; created_at: number; expires_at: number; grant_ttl_ms: number; decided_at: number | null; decided_by: string | null;
  decided_role: string | null; decided_via: string | null; note: string | null; requester_key: string | null;
  executed_at: number | null; executed_by: string | null;
}

const toApproval = (r: Row): Approval => ({
  id: r.id, consumer: r.consumer, door: r.door, summary: r.summary, rule: r.rule, fingerprint: r.fingerprint,
  status: r.executed_at !== null && r.executed_at !== undefined ? 'executed' : r.status,
  approvers: JSON.parse(r.approvers) as string[], created: r.created_at, expires: r.expires_at, grantTtlMs: r.grant_ttl_ms,
  decidedAt: r.decided_at, decidedBy: r.decided_by, decidedRole: r.decided_role ?? null, decidedVia: r.decided_via ?? null, note: r.note,
  requesterKey: r.requester_key ?? null, executedAt: r.executed_at ?? null, executedBy: r.executed_by ?? null,
});

/** Opens the approvals table in `db` — a file path (opened here) or an open better-sqlite3 handle (shared). */
export function openSqliteApprovals(db: string | Database.Database): ApprovalStore {
  const { handle, owned } = openStoreHandle(db);
  handle.exec(SCHEMA);
  addDecidedColumns(handle);
  const events = approvalEventQueries(handle);

  const q = {
    insert: handle.prepare(`INSERT INTO approvals (id, consumer, door, summary, rule, fingerprint, status, approvers, created_at, expires_at, grant_ttl_ms, requester_key)
      VALUES (@id, @consumer, @door, @summary, @rule, @fingerprint, 'pending', @approvers, @created, @expires, @grantTtlMs, @requesterKey)`),
    get: handle.prepare('SELECT * FROM approvals WHERE id = ?'),
    live: handle.prepare(`SELECT * FROM approvals WHERE consumer = ? AND fingerprint = ? AND expires_at > ? AND executed_at IS NULL
      ORDER BY CASE status WHEN 'pending' THEN 1 ELSE 0 END, created_at DESC, rowid DESC LIMIT 1`),
    list: handle.prepare(`SELECT * FROM approvals WHERE (@status IS NULL OR (CASE WHEN executed_at IS NULL THEN status ELSE 'executed' END) = @status) AND (@consumer IS NULL OR consumer = @consumer)
      AND (@all = 1 OR expires_at > @now) ORDER BY created_at, rowid`),
    decide: handle.prepare(`UPDATE approvals SET status = @status, decided_at = @now, decided_by = @by, decided_role = @role, decided_via = @via, note = @note, expires_at = @expires
      WHERE id = @id AND status = 'pending' AND expires_at > @now`),
    // The executed state is its own columns; the answer's window (expires_at) stays as the approver gave it.
    execute: handle.prepare(`UPDATE approvals SET executed_at = @now, executed_by = @by
      WHERE id = @id AND status = 'approved' AND executed_at IS NULL AND expires_at > @now`),
    executed: handle.prepare(`SELECT * FROM approvals WHERE consumer = ? AND fingerprint = ? AND executed_at IS NOT NULL AND expires_at > ?
      ORDER BY executed_at DESC, rowid DESC LIMIT 1`),
  };

  const decide = handle.transaction((id: string, a: Parameters<ApprovalStore['decide']>[1], event?: Parameters<ApprovalStore['decide']>[2]) => {
    const changed = q.decide.run({ id, status: a.status, now: a.now, by: a.by, role: a.role ?? null, via: a.via ?? null, note: a.note ?? null, expires: a.expires }).changes;
    if (!changed) return undefined;
    if (event) events.record(event);
    return toApproval(q.get.get(id) as Row);
  });

  const execute = handle.transaction((id: string, by: string, now: number, door: string) => {
    if (q.execute.run({ id, by, now }).changes !== 1) return undefined;
    const a = toApproval(q.get.get(id) as Row);
    events.record({
      approval: a.id, at: now, actor: a.consumer, role: null, via: 'door', action: 'execute', outcome: 'executed', code: null,
      reason: `executed ${a.id} (rule ${a.rule}, approved by ${a.decidedBy ?? 'an approver'}) once, by session ${by} of consumer ${a.consumer} at the ${door} door; it answers no other request`,
      consumer: a.consumer, rule: a.rule,
    });
    return a;
  });

  return {
    async create(a) {
      const id = `apr_${randomBase62(16)}`;
      const requesterKey = a.requesterKey ?? null;
      q.insert.run({ ...a, id, approvers: JSON.stringify(a.approvers), requesterKey });
      return { ...a, id, status: 'pending', decidedAt: null, decidedBy: null, decidedRole: null, decidedVia: null, note: null, requesterKey, executedAt: null, executedBy: null };
    },
    async get(id) {
      const r = q.get.get(id) as Row | undefined;
      return r && toApproval(r);
    },
    async findLive(consumer, fingerprint, now) {
      const r = q.live.get(consumer, fingerprint, now) as Row | undefined;
      return r && toApproval(r);
    },
    async list(f = {}) {
      const rows = q.list.all({ status: f.status ?? null, consumer: f.consumer ?? null, all: f.includeExpired ? 1 : 0, now: f.now ?? Date.now() }) as Row[];
      return rows.map(toApproval);
    },
    async decide(id, a, event) {
      return decide(id, a, event);
    },
    async execute(id, by, now, door) {
      return execute(id, by, now, door ?? 'a door');
    },
    async findExecuted(consumer, fingerprint, now) {
      const r = q.executed.get(consumer, fingerprint, now) as Row | undefined;
      return r && toApproval(r);
    },
    async recordEvent(e) {
      return events.record(e);
    },
    async events(approval) {
      return events.events(approval);
    },
    async claimUnaudited(limit) {
      return events.claim(limit);
    },
    close() {
      if (owned) handle.close();
    },
  };
}

/** Tables created before approvers were authenticated (or before requesters, executions were recorded) lack these columns. */
function addDecidedColumns(handle: Database.Database): void {
  const have = new Set((handle.prepare('PRAGMA table_info(approvals)').all() as { name: string }[]).map((c) => c.name));
  for (const [col, type] of [['decided_role', 'TEXT'], ['decided_via', 'TEXT'], ['requester_key', 'TEXT'], ['executed_at', 'INTEGER'], ['executed_by', 'TEXT']]) {
    if (!have.has(col!)) handle.exec(`ALTER TABLE approvals ADD COLUMN ${col} ${type}`);
  }
}
