/**
 * Just-in-time grants: a consumer holds a PostgreSQL role (reader, writer, dba) for a
 * window. The door asks for the active grant when a session starts, ends the session with
 * a FATAL error when it expires or is revoked, and refuses new sessions after.
 */
import type { StatementRole } from '../policy/config.js';

export interface Grant {
  id: string;
  consumer: string;
  role: StatementRole;
  /** Database the grant is limited to; null: any database of the door. */
  database: string | null;
  created: number;
  /** ms since the epoch; the session ends then. */
  expires: number;
  /** Who created it (`cli`, or an admin identity's name through the admin API). */
  createdBy: string;
  revokedAt: number | null;
  revokedBy: string | null;
  note: string | null;
}

export interface NewGrant {
  consumer: string;
  role: StatementRole;
  database?: string | null;
  created: number;
  expires: number;
  createdBy: string;
  note?: string | null;
}

export interface GrantFilter {
  consumer?: string;
  /** Include expired and revoked grants (default: only active ones). */
  all?: boolean;
  now?: number;
}

/** Asynchronous like the approvals store, so a PostgreSQL backend can implement it. */
export interface GrantStore {
  create(g: NewGrant): Promise<Grant>;
  get(id: string): Promise<Grant | undefined>;
  list(filter?: GrantFilter): Promise<Grant[]>;
  /** Revokes an active grant; undefined when there is no such unrevoked grant. */
  revoke(id: string, by: string, at: number): Promise<Grant | undefined>;
  close(): void;
}
