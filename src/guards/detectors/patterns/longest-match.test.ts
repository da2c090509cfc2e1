import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RE2JS } from 're2js';
import { longestMatch } from './longest-match.js';

const longest = (regex: string, flags = 0) => longestMatch(RE2JS.compile(regex, flags));

describe('longestMatch', () => {
  test('bounded patterns: the longest alternative, counted in UTF-16 units', () => {
    assert.equal(longest('abc'), 3);
    assert.equal(longest('ab[x-z]{2,3}(c|de)\\d'), 8);
    assert.equal(longest('(?:foo|barbaz)?x'), 7);
    assert.equal(longest('^\\bk\\b$', RE2JS.CASE_INSENSITIVE), 1);
    assert.equal(longest('😀{2}'), 4);
    assert.equal(longest('.{3}'), 6); // any character may be outside the BMP
  });

  test('loops make a pattern unbounded', () => {
    assert.equal(longest('a+'), Infinity);
    assert.equal(longest('x(ab)*y'), Infinity);
    assert.equal(longest('\\d{2,}'), Infinity);
    assert.equal(longest('(a+)+$'), Infinity);
  });

  test('the bound is never below a real match', () => {
    const re = RE2JS.compile('[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}');
    const value = 'DE89 3704 0044 0532 0130 0000';
    const m = re.matcher(value);
    assert.ok(m.find());
    assert.ok(m.end() - m.start() <= longestMatch(re));
  });
});
