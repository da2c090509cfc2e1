import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCustomPattern, compilePattern } from './compile.js';

function error(p: Parameters<typeof compilePattern>[0]): string {
  const r = compilePattern(p);
  assert.equal(r.ok, false, `expected ${p.regex} to be refused`);
  return r.ok ? '' : r.error;
}

describe('compilePattern', () => {
  test('accepts RE2 syntax with i, m and s flags', () => {
    assert.deepEqual(compilePattern({ id: 'emp', regex: 'EMP-\\d{6}' }), { ok: true });
    assert.deepEqual(compilePattern({ id: 'proj', regex: '^project (?P<name>\\w+)$', flags: 'ims', confidence: 0.7 }), { ok: true });
    assert.deepEqual(compilePattern({ id: 'named', regex: '(?<code>[A-Z]{3})-\\d+' }), { ok: true });
  });

  test('backreferences and lookaround are refused, naming the pattern and the construct', () => {
    const cases: Array<[string, RegExp]> = [
      ['(a)\\1', /backreference \\1/],
      ['(?<q>[\'"]).*\\k<q>', /named backreference/],
      ['foo(?=bar)', /lookahead/],
      ['foo(?!bar)', /negative lookahead/],
      ['(?<=\\$)\\d+', /lookbehind/],
      ['(?<!x)y', /negative lookbehind/],
      ['(?>a+)b', /atomic group/],
      ['a++', /possessive quantifier/],
    ];
    for (const [regex, what] of cases) {
      const message = error({ id: 'my-rule', regex });
      assert.match(message, /custom pattern "my-rule"/, regex);
      assert.match(message, what, regex);
      assert.match(message, /RE2/, regex);
    }
  });

  test('look-alikes that are fine in RE2 are not refused', () => {
    for (const regex of ['[(?=]x', '\\(\\?=x\\)', '\\Q(?=x)\\E', '[\\1]?x', 'a+b', '(?:x)+y', '(?i:abc)', '[]a]+', '[^]a]+']) {
      const r = compilePattern({ id: 'ok', regex });
      assert.ok(r.ok || !/not supported/.test(r.error), `${regex}: ${r.ok ? '' : r.error}`);
    }
    assert.deepEqual(compilePattern({ id: 'ok', regex: '[(?=]x' }), { ok: true });
    assert.deepEqual(compilePattern({ id: 'ok', regex: '\\Q(?=x)\\E' }), { ok: true });
  });

  test('syntax errors, bad flags, bad confidence and empty matches are explained', () => {
    assert.match(error({ id: 'p', regex: '[a-' }), /custom pattern "p": not valid RE2 syntax: .*missing closing \]/);
    assert.match(error({ id: 'p', regex: 'a{2000}' }), /invalid repeat count/);
    assert.match(error({ id: 'p', regex: 'x', flags: 'g' }), /flag "g" is not supported \(only i, m and s\)/);
    assert.match(error({ id: 'p', regex: 'x', flags: 'ii' }), /flag "i" is repeated/);
    assert.match(error({ id: 'p', regex: 'x', confidence: 1.5 }), /confidence/);
    assert.match(error({ id: 'p', regex: 'a*' }), /matches the empty string/);
    assert.match(error({ id: 'p', regex: '' }), /non-empty/);
    assert.match(error({ id: '', regex: 'x' }), /id must be a non-empty string/);
    assert.match(error({ id: 'p', regex: 'x'.repeat(5000) }), /longer than 4096/);
  });

  test('the compiled pattern knows its longest match', () => {
    const c = compileCustomPattern({ id: 'emp', regex: 'EMP-\\d{6}' });
    assert.ok(typeof c !== 'string');
    assert.equal(c.longest, 10);
    assert.equal(c.confidence, 1);
  });
});
