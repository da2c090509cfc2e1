import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { customPatternSchema, customPatternsSchema } from './config.js';

describe('customPatternSchema', () => {
  test('valid entries pass unchanged', () => {
    const entry = { id: 'employee-id', regex: 'EMP-\\d{6}', flags: 'i', confidence: 0.8 };
    assert.deepEqual(customPatternSchema.parse(entry), entry);
  });

  test('a pattern RE2 cannot run fails validation with a message naming it', () => {
    const r = customPatternSchema.safeParse({ id: 'quote', regex: '(["\']).*?\\1' });
    assert.equal(r.success, false);
    const issue = r.error!.issues[0]!;
    assert.deepEqual(issue.path, ['regex']);
    assert.match(issue.message, /custom pattern "quote": backreference \\1 at offset 9 is not supported/);
  });

  test('shape errors: bad id, unknown flag, confidence range, unknown key', () => {
    assert.equal(customPatternSchema.safeParse({ id: 'has space', regex: 'x' }).success, false);
    assert.equal(customPatternSchema.safeParse({ id: 'a', regex: 'x', flags: 'g' }).success, false);
    assert.equal(customPatternSchema.safeParse({ id: 'a', regex: 'x', confidence: -0.1 }).success, false);
    assert.equal(customPatternSchema.safeParse({ id: 'a', regex: 'x', action: 'redact' }).success, false);
  });

  test('a YAML config section validates, and duplicate ids are caught', () => {
    const section = parse(`
- id: employee-id
  regex: 'EMP-\\d{6}'
- id: internal-host
  regex: '[a-z0-9-]+\\.corp\\.example\\.com'
  flags: i
  confidence: 0.7
`);
    assert.equal(customPatternsSchema.parse(section).length, 2);
    const dup = customPatternsSchema.safeParse([{ id: 'a', regex: 'x' }, { id: 'a', regex: 'y' }]);
    assert.equal(dup.success, false);
    assert.match(dup.error!.issues[0]!.message, /defined twice/);
  });
});
