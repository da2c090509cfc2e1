import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigJsonSchema } from './json-schema.js';

test('docs/config.schema.json matches the zod schema (regenerate: npm run build && node dist/scripts/gen-docs.js)', () => {
  const committed = readFileSync('docs/config.schema.json', 'utf8');
  assert.equal(committed, renderConfigJsonSchema());
});
