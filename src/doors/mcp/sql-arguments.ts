/**
 * The `sql` validator of the MCP door: SQL in a tool argument (dbhub's `execute_sql`,
 * server-postgres' `query`) goes through the PostgreSQL door's classifier before the tool
 * runs. Every statement of the text must have an allowed effect; the always-blocked list and
 * text that does not parse are refused whatever the configuration says.
 *
 * The parser is wasm and loads asynchronously once per process: the snapshot starts loading
 * it when a `sql` validator is configured, and a call awaits it only while it is not loaded
 * yet (`pending`). A parser that cannot load refuses every SQL argument (fail closed).
 */
import { WardenError } from '../../core/errors.js';
import { DEFAULT_MAX_SQL_BYTES, effectRank, loadSqlParser, SqlClassifier, sqlParserReady, type ClassifiedSql, type ClassifiedStatement, type SqlEffect } from '../postgres/sql/index.js';
import type { McpValidator } from './door-config.js';

export type SqlValidatorConfig = NonNullable<McpValidator['sql']>;

const RULE = 'mcp.validators.sql';

export class SqlArguments {
  private readonly classifier: SqlClassifier;
  private loadError: string | undefined;
  private readonly loading: Promise<void>;

  constructor(maxBytes: number) {
    this.classifier = new SqlClassifier({ maxBytes, cacheEntries: 2_000, cacheChars: 2 * 1024 * 1024 });
    this.loading = loadSqlParser().catch((e: unknown) => {
      this.loadError = (e instanceof Error ? e.message : String(e)).slice(0, 200);
    });
  }

  /** A promise to await before the first check, or undefined once the parser is loaded (or failed). */
  pending(): Promise<void> | undefined {
    return sqlParserReady() || this.loadError !== undefined ? undefined : this.loading;
  }

  /** The classification of `value`; throws WARDEN_E_MCP_ARGUMENT_REFUSED unless it is SQL whose every statement `cfg` allows. */
  check(tool: string, arg: string, value: unknown, cfg: SqlValidatorConfig): ClassifiedSql {
    const refuse = (why: string) => new WardenError('WARDEN_E_MCP_ARGUMENT_REFUSED', `${tool}: argument "${arg}" ${why}`, { rule: RULE });
    if (typeof value !== 'string') throw refuse('must be SQL text (a string)');
    if (!sqlParserReady()) throw refuse(`cannot be checked: the SQL classifier is not available${this.loadError ? ` (${this.loadError})` : ''}; Warden refuses SQL it cannot classify`);
    const max = cfg.max_bytes ?? DEFAULT_MAX_SQL_BYTES;
    const size = Buffer.byteLength(value, 'utf8');
    if (size > max) throw refuse(`is ${size} bytes of SQL, more than the ${max} bytes Warden parses (mcp.validators[].sql.max_bytes)`);
    const c = this.classifier.classify(value);
    if (c.refused) throw refuse(`is refused: ${c.refused.reason}`);
    const worst = worstDisallowed(c.statements, cfg.allow);
    if (!worst) return c;
    const { s, index } = worst;
    const which = c.statements.length > 1 ? `statement ${index + 1} of ${c.statements.length}` : 'the statement';
    if (s.effect === 'blocked') throw refuse(`is refused: ${which} (${s.kind}) is always blocked: ${s.reason ?? `${s.kind} is always blocked`}`);
    const why = s.reason ? `: ${s.reason}` : s.kind !== s.operations[0] && s.operations.length > 1 ? ` (it contains ${s.kind} within ${s.operations[0]})` : '';
    throw refuse(`is refused: ${which} (${s.kind}) has the effect "${s.effect}"${why}; this tool allows ${cfg.allow.join(', ')}`);
  }
}

/** The most consequential statement whose effect is not allowed (the first of equals). */
function worstDisallowed(statements: readonly ClassifiedStatement[], allow: readonly SqlEffect[]): { s: ClassifiedStatement; index: number } | undefined {
  let worst: { s: ClassifiedStatement; index: number } | undefined;
  statements.forEach((s, index) => {
    if (s.effect !== 'blocked' && allow.includes(s.effect)) return;
    if (!worst || effectRank(s.effect) > effectRank(worst.s.effect)) worst = { s, index };
  });
  return worst;
}

/** A checker for the configured validators, or undefined when none checks SQL (nothing is loaded). */
export function sqlArgumentsFor(validators: readonly McpValidator[]): SqlArguments | undefined {
  const sql = validators.flatMap((v) => (v.sql ? [v.sql] : []));
  if (!sql.length) return undefined;
  return new SqlArguments(Math.max(...sql.map((s) => s.max_bytes ?? DEFAULT_MAX_SQL_BYTES)));
}
