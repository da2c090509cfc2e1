/**
 * Functions judged by name wherever they appear in a statement's tree: a dangerous call
 * hides in a plain SELECT (`SELECT pg_terminate_backend(pid) FROM …`), a CTE, a default.
 * Names are compared lower-cased and without their schema, so `pg_catalog.pg_read_file`
 * and a look-alike in another schema are both caught (stricter than PostgreSQL resolves).
 */
import type { SqlEffect } from './effects.js';

export interface FunctionVerdict {
  effect: Extract<SqlEffect, 'blocked' | 'restricted' | 'write'>;
  reason: string;
}

/** Always blocked: server files, large-object file transfer, remote SQL, other sessions, server state. */
const BLOCKED_EXACT = new Map<string, string>([
  ['pg_read_file', 'reads a file on the database server'],
  ['pg_read_binary_file', 'reads a file on the database server'],
  ['pg_stat_file', 'inspects a file on the database server'],
  ['pg_ls_dir', 'lists a directory on the database server'],
  ['pg_file_write', 'writes a file on the database server'],
  ['pg_file_rename', 'renames a file on the database server'],
  ['pg_file_unlink', 'deletes a file on the database server'],
  ['lo_export', 'writes a large object to a file on the database server'],
  ['lo_import', 'reads a file on the database server into a large object'],
  ['pg_terminate_backend', 'ends another session'],
  ['pg_cancel_backend', 'cancels another session\'s query'],
  ['pg_reload_conf', 'reloads the server configuration'],
  ['pg_rotate_logfile', 'rotates the server log'],
  ['pg_promote', 'promotes a standby server'],
]);

/** Always blocked by prefix: every variant of the family. */
const BLOCKED_PREFIX: readonly (readonly [string, string])[] = [
  ['pg_read_file', 'reads a file on the database server'],
  ['pg_ls_', 'lists a directory on the database server'],
  ['dblink', 'runs SQL on another server (dblink)'],
  ['pg_advisory_', 'takes an advisory lock that outlives the statement'],
  ['pg_try_advisory_', 'takes an advisory lock that outlives the statement'],
];

/** Settings whose change through set_config escapes the role, the read-only guard or the classifier's reading of the text. */
export const GUARDED_SETTINGS: ReadonlySet<string> = new Set(['role', 'session_authorization', 'search_path', 'default_transaction_read_only', 'transaction_read_only', 'standard_conforming_strings', 'client_encoding']);

/** Run SQL given as text: the classifier cannot see that SQL's effect nor bind its columns to tables. */
const RUNS_SQL_TEXT: ReadonlySet<string> = new Set(['query_to_xml', 'query_to_xml_and_xmlschema', 'query_to_xmlschema', 'cursor_to_xml', 'cursor_to_xmlschema', 'ts_stat', 'ts_rewrite']);

/** Hold the connection for as long as the caller asks. */
const HOLDS_CONNECTION: ReadonlySet<string> = new Set(['pg_sleep', 'pg_sleep_for', 'pg_sleep_until']);

/** Change data although called from a SELECT. */
const WRITES = new Map<string, string>([
  ['nextval', 'advances a sequence'],
  ['setval', 'sets a sequence'],
  ['pg_notify', 'sends a notification'],
  ['lo_create', 'creates a large object'],
  ['lo_unlink', 'deletes a large object'],
  ['lo_put', 'writes a large object'],
  ['lo_from_bytea', 'creates a large object'],
  ['lo_truncate', 'truncates a large object'],
]);

/** The bare (schema-less) lower-case name of a qualified function name. */
export function bareName(qualified: string): string {
  const dot = qualified.lastIndexOf('.');
  return (dot < 0 ? qualified : qualified.slice(dot + 1)).toLowerCase();
}

/**
 * The verdict on one call. `firstArg` is the first argument when it is a string literal,
 * null when it is anything else (a column, an expression), undefined when there is none.
 */
export function judgeFunction(qualified: string, firstArg: string | null | undefined): FunctionVerdict | null {
  const name = bareName(qualified);
  const exact = BLOCKED_EXACT.get(name);
  if (exact) return { effect: 'blocked', reason: `${name}() ${exact}` };
  for (const [prefix, why] of BLOCKED_PREFIX) if (name.startsWith(prefix)) return { effect: 'blocked', reason: `${name}() ${why}` };
  if (name === 'set_config') {
    if (typeof firstArg !== 'string') return { effect: 'blocked', reason: 'set_config() with a setting name that is not a string literal (it could name role or search_path)' };
    const setting = firstArg.trim().toLowerCase();
    if (GUARDED_SETTINGS.has(setting)) return { effect: 'blocked', reason: `set_config('${setting}', …) changes ${setting}` };
    return null;
  }
  if (RUNS_SQL_TEXT.has(name)) return { effect: 'restricted', reason: `${name}() runs SQL given as text, which the classifier cannot see` };
  if (HOLDS_CONNECTION.has(name)) return { effect: 'restricted', reason: `${name}() holds the connection for as long as asked` };
  const w = WRITES.get(name);
  if (w) return { effect: 'write', reason: `${name}() ${w}` };
  return null;
}
