/** Creating a grant: the checks the CLI and the admin API share. */
import { WardenError } from '../../../core/errors.js';
import { STATEMENT_ROLES, type StatementRole } from '../policy/config.js';
import type { Grant, GrantStore } from './types.js';

/** Just-in-time means short: a standing role belongs in the consumer's groups. */
export const MAX_GRANT_MS = 7 * 24 * 3_600_000;

export interface CreateGrantRequest {
  consumer: string;
  role: string;
  forMs: number;
  database?: string | null;
  by: string;
  note?: string;
  now: number;
}

export async function createGrant(store: GrantStore, r: CreateGrantRequest): Promise<Grant> {
  if (!/^[A-Za-z0-9_.@-]{1,128}$/.test(r.consumer)) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'consumer: 1 to 128 letters, digits and . _ @ -');
  if (!STATEMENT_ROLES.includes(r.role as StatementRole)) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `role ${JSON.stringify(r.role.slice(0, 40))} is not a PostgreSQL role of Warden (${STATEMENT_ROLES.join(', ')})`);
  if (!Number.isInteger(r.forMs) || r.forMs <= 0 || r.forMs > MAX_GRANT_MS) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `the grant's duration must be between 1 ms and 7d (a standing role belongs in the consumer's groups)`);
  if (r.database !== undefined && r.database !== null && !/^[^\0]{1,63}$/.test(r.database)) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'database: 1 to 63 characters');
  return store.create({ consumer: r.consumer, role: r.role as StatementRole, database: r.database ?? null, created: r.now, expires: r.now + r.forMs, createdBy: r.by, note: r.note ?? null });
}
