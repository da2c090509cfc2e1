/**
 * What a statement does, ordered by consequence: a batch or a statement with several
 * parts is classified by the highest rank any part reaches.
 */
export const SQL_EFFECTS = ['read', 'transaction', 'session', 'write', 'ddl', 'admin', 'restricted', 'blocked'] as const;

/**
 * - read: returns data, changes nothing (SELECT, SHOW, COPY … TO STDOUT, EXPLAIN without ANALYZE).
 * - transaction: BEGIN, COMMIT, ROLLBACK, SAVEPOINT, SET TRANSACTION.
 * - session: harmless session settings (SET statement_timeout, RESET, DISCARD, LISTEN, DEALLOCATE).
 * - write: changes rows or takes row/table locks (INSERT, UPDATE, DELETE, MERGE, COPY FROM STDIN,
 *   SELECT … FOR UPDATE/SHARE, LOCK, TRUNCATE, REFRESH MATERIALIZED VIEW, NOTIFY).
 * - ddl: changes the schema (CREATE, ALTER, DROP of objects, SELECT … INTO, CREATE TABLE AS).
 * - admin: maintenance and privileges (VACUUM, ANALYZE, REINDEX, CLUSTER, CHECKPOINT, GRANT, CREATE DATABASE).
 * - restricted: needs an explicit rule, no role preset allows it (DO, CALL, PREPARE, EXECUTE,
 *   SET ROLE, SET SESSION AUTHORIZATION, SET default_transaction_read_only, statement types
 *   the classifier does not know, functions that run SQL text or hold the connection).
 * - blocked: refused for everyone (the always-blocked list, COPY with a file or PROGRAM,
 *   unparseable or oversized text).
 */
export type SqlEffect = (typeof SQL_EFFECTS)[number];

const RANK: Readonly<Record<SqlEffect, number>> = Object.fromEntries(SQL_EFFECTS.map((e, i) => [e, i])) as Record<SqlEffect, number>;

export function effectRank(e: SqlEffect): number {
  return RANK[e];
}

/** The more consequential of two effects. */
export function maxEffect(a: SqlEffect, b: SqlEffect): SqlEffect {
  return RANK[b] > RANK[a] ? b : a;
}
