/**
 * classifySql: every statement of a query text, classified by its most consequential
 * effect, with the tables it names and the functions it calls. Text that does not parse,
 * or is larger than the parser is allowed to see, is refused as a whole.
 */
import { maxEffect, type SqlEffect } from './effects.js';
import { parseSql } from './parser.js';
import { classifyStatement, type ClassifiedStatement } from './statement.js';

/**
 * Largest query text handed to the parser. Parse time and memory grow with the text
 * (docs/benchmarks.md: a 100,000-element IN list is 589 KB, ≈ 380 ms and ≈ 50 MB);
 * 64 KiB bounds one parse to ≈ 40 ms.
 */
export const DEFAULT_MAX_SQL_BYTES = 64 * 1024;

export interface ClassifyOptions {
  /** Default DEFAULT_MAX_SQL_BYTES. */
  maxBytes?: number;
}

export interface ClassifiedSql {
  /** The whole text as received. */
  text: string;
  statements: ClassifiedStatement[];
  /** The most consequential effect of any statement (`read` for an empty text). */
  effect: SqlEffect;
  /** Set when the text was refused without classifying its statements (effect is then `blocked`). */
  refused?: { code: 'syntax' | 'too_large'; reason: string };
  /** factsKey() of these statements, when the classifier already knows it (a text classified by its shape). */
  factsKey?: string;
}

function statementText(whole: string, bytes: Buffer | null, location: number, length: number): string {
  if (!bytes) return (length > 0 ? whole.slice(location, location + length) : whole.slice(location)).trim();
  const end = length > 0 ? location + length : bytes.length;
  return bytes.subarray(location, end).toString('utf8').trim();
}

/** Classifies `text`; loadSqlParser() must have finished. Never throws for any input text. */
export function classifySql(text: string, opts: ClassifyOptions = {}): ClassifiedSql {
  const max = opts.maxBytes ?? DEFAULT_MAX_SQL_BYTES;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > max) {
    const reason = `the SQL text is ${size} bytes, more than the ${max} bytes Warden parses (postgres.statements.max_statement_bytes); send smaller statements, e.g. a temporary table instead of a huge IN list`;
    return { text, statements: [], effect: 'blocked', refused: { code: 'too_large', reason } };
  }
  // Threat: the wasm parser reads a C string and would stop at a NUL, classifying less than
  // what was sent (`SELECT 1\0; DROP DATABASE x` as a plain SELECT).
  if (text.includes('\u0000')) {
    return { text, statements: [], effect: 'blocked', refused: { code: 'syntax', reason: 'the SQL text contains a NUL byte, which PostgreSQL does not accept in a query; Warden refuses it' } };
  }
  // The parser refuses an empty text; PostgreSQL answers it with EmptyQueryResponse.
  if (text.trim() === '') return { text, statements: [], effect: 'read' };
  const parsed = parseSql(text);
  if (!parsed.ok) {
    return { text, statements: [], effect: 'blocked', refused: { code: 'syntax', reason: `the SQL text does not parse (${parsed.error}); Warden refuses what it cannot classify` } };
  }
  // Locations are byte offsets into the UTF-8 text; ASCII text can be sliced as a string.
  const bytes = size === text.length ? null : Buffer.from(text, 'utf8');
  let effect: SqlEffect = 'read';
  const statements = parsed.statements.map((s) => {
    const c = classifyStatement(s.stmt, statementText(text, bytes, s.location, s.length));
    effect = maxEffect(effect, c.effect);
    return c;
  });
  return { text, statements, effect };
}

/** Why a classified text is blocked, or null: the refusal, else the first blocked statement's reason. */
export function blockedReason(c: ClassifiedSql): string | null {
  if (c.refused) return c.refused.reason;
  for (const s of c.statements) if (s.effect === 'blocked') return s.reason ?? `${s.kind} is always blocked`;
  return null;
}
