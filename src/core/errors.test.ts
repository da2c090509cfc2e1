import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOGUE, WardenError, asWardenError } from './errors.js';
import { renderErrorTable } from './errors-doc.js';

const BEGIN = '<!-- catalogue:begin -->';
const END = '<!-- catalogue:end -->';

test('docs/errors.md holds exactly the catalogue (regenerate with: npm run build && node dist/scripts/gen-docs.js)', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  const table = doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END)).trim();
  assert.equal(table, renderErrorTable());
});

test('every code is WARDEN_E_ prefixed, unique, and maps to a valid HTTP status', () => {
  for (const [code, e] of Object.entries(CATALOGUE)) {
    assert.match(code, /^WARDEN_E_[A-Z_]+$/);
    assert.ok(e.status >= 400 && e.status < 600, code);
    assert.ok(e.summary.length > 10, code);
  }
});

test('an unknown throwable becomes WARDEN_E_INTERNAL without its message', () => {
  const e = asWardenError(new Error('secret detail sk-ant-xyz'));
  assert.equal(e.code, 'WARDEN_E_INTERNAL');
  assert.ok(!e.message.includes('secret'));
  const w = new WardenError('WARDEN_E_BODY_TOO_LARGE', 'too big');
  assert.equal(asWardenError(w), w);
  assert.equal(w.status, 413);
});
