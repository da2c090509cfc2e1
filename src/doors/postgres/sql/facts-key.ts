/**
 * The statements' facts without their texts, as one string: what a decision that read no
 * text depends on (policy/session-cache.ts). JSON of arrays, so no two fact lists share a key.
 */
import type { ClassifiedSql } from './classify.js';

export function factsKey(classified: ClassifiedSql): string {
  // Set once per shape by the classifier (sql/shape.ts): every text of a shape has the same facts.
  if (classified.factsKey !== undefined) return classified.factsKey;
  return JSON.stringify(classified.statements.map((s) => [s.kind, s.effect, s.tables, s.functions, s.operations, s.reason ?? null]));
}
