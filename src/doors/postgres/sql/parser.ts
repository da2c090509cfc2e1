/**
 * The PostgreSQL 18 parser (libpg-query, compiled to wasm). Loading compiles the wasm
 * module once per process; after that a parse is synchronous.
 */
import { loadModule, normalizeSync, parseSync } from 'libpg-query';

let loading: Promise<void> | null = null;
let ready = false;

/** Loads the parser once; later calls return the same promise. Call before classifySql. */
export function loadSqlParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    ready = true;
  });
  return loading;
}

export function sqlParserReady(): boolean {
  return ready;
}

export interface RawStatement {
  /** The statement node, e.g. `{ SelectStmt: {…} }`. */
  readonly stmt: Record<string, unknown>;
  /** Byte offset and length of the statement in the UTF-8 text (length 0: to the end). */
  readonly location: number;
  readonly length: number;
}

export type ParseOutcome = { ok: true; statements: RawStatement[] } | { ok: false; error: string };

/** Parses `text`; a syntax error (or a parser out of memory) is returned, never thrown. */
export function parseSql(text: string): ParseOutcome {
  if (!ready) throw new Error('loadSqlParser() must finish before SQL is classified');
  let tree: { stmts?: { stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(text) as unknown as typeof tree;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, error: msg.split('\n')[0]!.slice(0, 200) };
  }
  const statements: RawStatement[] = [];
  for (const s of tree.stmts ?? []) {
    if (!s.stmt) continue;
    statements.push({ stmt: s.stmt, location: s.stmt_location ?? 0, length: s.stmt_len ?? 0 });
  }
  return { ok: true, statements };
}

/**
 * PostgreSQL's own normalisation of `text` (libpg_query: the raw parser runs, then every
 * constant node is replaced by `$n` in the text), or null when it fails. The wasm call
 * returns some errors as the result string instead of throwing: callers must check the
 * result against the text (sql/shape.ts does).
 */
export function normalizeSql(text: string): string | null {
  if (!ready) throw new Error('loadSqlParser() must finish before SQL is classified');
  try {
    return normalizeSync(text);
  } catch {
    return null;
  }
}
