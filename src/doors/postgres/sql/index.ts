/** The SQL classifier the PostgreSQL door calls (docs/postgres-policy.md). */
export { loadSqlParser, sqlParserReady } from './parser.js';
export { classifySql, blockedReason, DEFAULT_MAX_SQL_BYTES, type ClassifiedSql, type ClassifyOptions } from './classify.js';
export type { ClassifiedStatement, CopyFormat } from './statement.js';
export { SQL_EFFECTS, effectRank, maxEffect, type SqlEffect } from './effects.js';
export { SqlClassifier, type SqlClassifierOptions } from './classifier.js';
export { BoundedCache } from './cache.js';
export { factsKey } from './facts-key.js';
