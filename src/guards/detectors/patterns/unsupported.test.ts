import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findUnsupportedSyntax } from './unsupported.js';

describe('findUnsupportedSyntax', () => {
  test('names the construct and where it is', () => {
    assert.equal(findUnsupportedSyntax('ab(c)\\1'), 'backreference \\1 at offset 5');
    assert.equal(findUnsupportedSyntax('x(?=y)'), 'lookahead (?= at offset 1');
    assert.equal(findUnsupportedSyntax('(?<!a)b'), 'negative lookbehind (?<! at offset 0');
    assert.equal(findUnsupportedSyntax('(?(1)a|b)'), 'conditional (?( at offset 0');
    assert.equal(findUnsupportedSyntax('a(?R)?b'), 'recursion or subroutine call at offset 1');
    assert.equal(findUnsupportedSyntax('\\d*+'), 'possessive quantifier *+ at offset 2');
  });

  test('escaped, quoted and bracketed look-alikes are fine', () => {
    for (const regex of ['\\\\1', '[(?=]', '\\(?=', '\\Q(?!x)\\1\\E', '(?<name>x)', '(?P<name>x)', '(?i)x', '(?:x)', '[]]+', 'a+\\+', '[+]+']) {
      assert.equal(findUnsupportedSyntax(regex), null, regex);
    }
  });
});
