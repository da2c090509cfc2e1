import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { literalPrefixes, maxLength, stripLeadIn } from './analyze.js';
import { convertRegex, convertRule } from './convert-rule.js';
import { emitJs } from './js-emit.js';
import { parseRe2 } from './re2-parse.js';
import { parseTomlSubset } from './toml-subset.js';

function js(re2: string): RegExp {
  const r = convertRegex(re2);
  return new RegExp(r.source, r.flags);
}

describe('RE2 → JavaScript', () => {
  test('a leading (?i) becomes the i flag', () => {
    assert.deepEqual(convertRegex('(?i)abc[a-f]'), { source: 'abc[a-f]', flags: 'i' });
  });

  test('(?i) in the middle applies to the rest of its group only', () => {
    const re = js(String.raw`\b(p8e-(?i)[a-z0-9]{3})x`);
    assert.ok(re.test('p8e-AbCx'));
    assert.ok(!re.test('P8E-abcx'), 'the part before (?i) stays case-sensitive');
    assert.ok(!re.test('p8e-abcX'), 'the group end restores the flags');
  });

  test('(?-i:…) inside a case-insensitive pattern is rewritten by expanding the rest', () => {
    const r = convertRegex('(?i)key(?-i:[Aa]pi|API)');
    assert.equal(r.flags, '');
    const re = new RegExp(`^(?:${r.source})$`);
    for (const ok of ['keyApi', 'KEYapi', 'kEyAPI']) assert.ok(re.test(ok), ok);
    for (const bad of ['keyAPi', 'keyaPI']) assert.ok(!re.test(bad), bad);
  });

  test('(?i:…) scopes case-insensitivity', () => {
    const re = new RegExp(`^(?:${convertRegex('hf_(?i:[a-z]{2})X').source})$`);
    assert.ok(re.test('hf_AbX') && !re.test('HF_abX') && !re.test('hf_abx'));
  });

  test('RE2 \\s, \\S and . are ASCII-narrow; (?s:.) spans lines', () => {
    assert.ok(!js(String.raw`^\s$`).test('\v') && !js(String.raw`^\s$`).test('\u00a0'));
    assert.ok(js(String.raw`^\S$`).test('\u00a0'));
    assert.ok(js('^a.b$').test('a\rb') && !js('^a.b$').test('a\nb'));
    assert.ok(js('^a(?s:.)b$').test('a\nb'));
  });

  test('\\z, POSIX classes, named groups, literal ] in a class, \\x escapes', () => {
    assert.ok(js(String.raw`a\z`).test('xa') && !js(String.raw`a\z`).test('ab'));
    assert.equal(convertRegex('[[:alnum:]]{2}').source, String.raw`[\dA-Za-z]{2}`);
    assert.equal(convertRegex('(?P<alg>ab)c').source, '(ab)c');
    assert.ok(js('^[^]]+$').test('abc') && !js('^[^]]+$').test('a]c'));
    assert.equal(convertRegex(String.raw`[\x60'"]`).source, String.raw`["'\x60]`);
    assert.equal(convertRegex('[\\s\\S-]').source, String.raw`[\s\S]`);
  });

  test('a { that is not a repeat is a literal; bad syntax is refused', () => {
    assert.ok(js(String.raw`^\{\{ x }}$`).test('{{ x }}'));
    assert.ok(js('^a{b$').test('a{b'));
    for (const bad of ['(?<=a)b', '(a', 'a)', '\\p{L}', '*a', '(?U)a']) assert.throws(() => convertRegex(bad), bad);
  });
});

describe('pattern analysis', () => {
  const stripped = (re2: string) => stripLeadIn(parseRe2(re2));

  test('the lazy identifier lead-in is stripped, also inside a leading group', () => {
    const s = stripped(String.raw`[\w.-]{0,50}?(?i:[\w.-]{0,50}?(?:okta))=(x)`);
    assert.equal(s.leadIn, 100);
    assert.equal(emitJs(s.node).source, '(?:(?:[oO][kK][tT][aA]))=(x)');
    assert.equal(stripped(String.raw`[\w.-]{0,50}(?:a)`).leadIn, 0, 'a greedy prefix is not a lead-in');
  });

  test('literal prefixes: alternations, optional parts, small classes, case folding', () => {
    assert.deepEqual(literalPrefixes(parseRe2('(?:ghu|ghs)_[0-9]{3}')), ['ghs_', 'ghu_']);
    assert.deepEqual(literalPrefixes(parseRe2('xox[os]-')), ['xoxo-', 'xoxs-']);
    assert.deepEqual(literalPrefixes(parseRe2('(?i)passw(?:or)?d')), ['passwd', 'password']);
    assert.deepEqual(literalPrefixes(parseRe2(String.raw`\bAKIA[A-Z]`)), ['akia']);
    assert.equal(literalPrefixes(parseRe2('[a-z]{4}key')), null, 'no literal start');
    assert.deepEqual(literalPrefixes(parseRe2('(?:^|x)abc')), ['abc', 'xabc'], 'assertions are zero-width');
    assert.equal(literalPrefixes(parseRe2('(?:^|[a-z])abc')), null, 'a large class ends the literal');
    assert.deepEqual(literalPrefixes(parseRe2('(?:api|api-)[a-z]{5}')), ['api'], 'prefix-free');
  });

  test('maximum match length', () => {
    assert.equal(maxLength(parseRe2(String.raw`\bab{2,5}(?:cd|e)?$`)), 8);
    assert.equal(maxLength(parseRe2('a+')), Infinity);
  });
});

describe('rule conversion', () => {
  test('a TOML rule becomes rule data with anchors, lead-in and allowlists', () => {
    const toml = parseTomlSubset(`
# comment
[[rules]]
id = "x-key"
description = "X"
regex = '''(?i)[\\w.-]{0,50}?(?:xsvc)(?:[ \\t\\w.-]{0,20})=([a-z0-9]{8})'''
path = '''\\.ya?ml$'''
entropy = 3.5
keywords = ["XSVC", "other"]
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''(?i)test''', "a\\\\b"]
stopwords = ["Dummy"]
[[rules.allowlists]]
paths = ['''vendor/''']
`);
    const rule = convertRule((toml['rules'] as Record<string, never>[])[0]!)!;
    assert.equal(rule.id, 'x-key');
    assert.equal(rule.leadIn, 50);
    assert.deepEqual(rule.anchors, ['xsvc']);
    assert.deepEqual(rule.keywords, ['xsvc', 'other']);
    assert.equal(rule.entropy, 3.5);
    assert.equal(rule.maxLength, 4 + 20 + 1 + 8);
    assert.deepEqual(rule.allowlists, [{ target: 'match', regexes: [{ source: 'test', flags: 'i' }, { source: 'a\\b', flags: '' }], stopwords: ['dummy'] }]);
    assert.equal(rule.notes.length, 2, 'the path scope and the path-only allowlist are noted');
  });
});
