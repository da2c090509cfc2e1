import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigReference } from './reference-doc.js';

test('docs/config.md lists every option of the schema (regenerate: npm run docs)', () => {
  const doc = readFileSync('docs/config.md', 'utf8');
  const begin = '<!-- reference:begin -->';
  const table = doc.slice(doc.indexOf(begin) + begin.length, doc.indexOf('<!-- reference:end -->')).trim();
  assert.equal(table, renderConfigReference());
  for (const path of ['server.port', 'admin.key_sha256', 'providers.<name>.api_key', 'models[].match', 'consumers[].labels', 'audit.dir']) assert.ok(table.includes(`\`${path}\``), path);
});
