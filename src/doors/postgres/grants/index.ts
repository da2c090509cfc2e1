/** Just-in-time grants of the PostgreSQL door (docs/postgres-policy.md#grants). */
export type { Grant, GrantStore, NewGrant, GrantFilter } from './types.js';
export { openSqliteGrants } from './sqlite.js';
export { activeGrant, grantEnded, isActive } from './active.js';
export { createGrant, MAX_GRANT_MS } from './create.js';
