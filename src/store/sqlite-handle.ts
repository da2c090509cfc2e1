/**
 * Opening a table that lives beside the main store in its SQLite file (approvals, grants):
 * from a path (opened here, closed by the caller through `owned`) or a shared handle.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function openStoreHandle(db: string | Database.Database): { handle: Database.Database; owned: boolean } {
  if (typeof db !== 'string') return { handle: db, owned: false };
  if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true });
  const handle = new Database(db);
  // Same settings as the main store: the CLI writes while the server reads.
  handle.pragma('journal_mode = WAL');
  handle.pragma('busy_timeout = 5000');
  return { handle, owned: true };
}
