import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding } from '../detectors/types.js';
import { applyRedactions } from './apply.js';

function span(start: number, end: number, rule = 'r'): Finding {
  return { detector: 'd', rule, start, end, confidence: 1 };
}

const HI_MIN = '\ud800';
const HI_MAX = '\udbff';
const LO_MIN = '\udc00';
const LO_MAX = '\udfff';
const BELOW_HI = '\ud7ff';
const ABOVE_LO = '\ue000';

// [a, b, is a surrogate pair]: a high surrogate (0xD800-0xDBFF) followed by a low one (0xDC00-0xDFFF).
const pairs: Array<[a: string, b: string, pair: boolean, label: string]> = [
  [HI_MIN, LO_MIN, true, 'lowest pair'],
  [HI_MAX, LO_MAX, true, 'highest pair'],
  [HI_MIN, LO_MAX, true, 'low high, high low'],
  [HI_MAX, LO_MIN, true, 'high high, low low'],
  ['x', LO_MIN, false, 'letter then lone low'],
  [BELOW_HI, LO_MIN, false, 'just below the high range then low'],
  [LO_MIN, LO_MIN, false, 'two lows'],
  [LO_MAX, LO_MAX, false, 'two lows at the top'],
  [HI_MIN, HI_MAX, false, 'two highs'],
  [HI_MIN, ABOVE_LO, false, 'high then just above the low range'],
  [HI_MAX, 'x', false, 'lone high then letter'],
];

describe('applyRedactions at surrogate boundaries', () => {
  test('a span starting on the second half of a pair takes the first half too; otherwise it starts where it says', () => {
    for (const [a, b, pair, label] of pairs) {
      const text = `${a}${b}z`;
      const want = pair ? '[REDACTED:r]' : `${a}[REDACTED:r]`;
      assert.equal(applyRedactions(text, [span(1, 3)], 'placeholder'), want, label);
    }
  });

  test('a span ending between the halves of a pair takes the second half too; otherwise it ends where it says', () => {
    for (const [a, b, pair, label] of pairs) {
      const text = `z${a}${b}`;
      const want = pair ? '[REDACTED:r]' : `[REDACTED:r]${b}`;
      assert.equal(applyRedactions(text, [span(0, 2)], 'placeholder'), want, label);
    }
  });
});

describe('applyRedactions merging', () => {
  test('of overlapping findings of equal width, the first (by start, then input order) names the replacement', () => {
    const text = 'xxABCDEFyy';
    const rows: Array<[findings: Finding[], want: string, label: string]> = [
      [[span(2, 6, 'first'), span(4, 8, 'second')], 'xx[REDACTED:first]yy', 'later start, same width'],
      [[span(4, 8, 'second'), span(2, 6, 'first')], 'xx[REDACTED:first]yy', 'input order does not matter when starts differ'],
      [[span(2, 8, 'a'), span(2, 8, 'b')], 'xx[REDACTED:a]yy', 'identical spans: input order'],
      [[span(2, 8, 'b'), span(2, 8, 'a')], 'xx[REDACTED:b]yy', 'identical spans, reversed'],
      [[span(2, 5, 'short'), span(2, 8, 'long')], 'xx[REDACTED:long]yy', 'same start: the longer wins'],
      [[span(2, 8, 'long'), span(2, 5, 'short')], 'xx[REDACTED:long]yy', 'same start, longer given first'],
      [[span(2, 8, 'long'), span(3, 4, 'inner'), span(7, 8, 'end')], 'xx[REDACTED:long]yy', 'nested ones do not shrink the span'],
    ];
    for (const [findings, want, label] of rows) assert.equal(applyRedactions(text, findings, 'placeholder'), want, label);
  });

  test('no secret character survives between or after merged spans, whatever the order', () => {
    const text = 'k=SECRETVALUE;';
    const s = text.indexOf('SECRETVALUE');
    const findings = [span(s, s + 6, 'a'), span(s + 3, s + 11, 'b'), span(s, s + 2, 'c')];
    for (const order of [findings, [...findings].reverse(), [findings[1]!, findings[2]!, findings[0]!]]) {
      assert.equal(applyRedactions(text, order, 'full'), 'k=****;');
    }
  });
});

describe('applyRedactions refuses spans that are not inside the text', () => {
  const text = 'abcdef';
  const bad: Array<[start: number, end: number]> = [
    [-1, 2],
    [-1, -1],
    [0.5, 2],
    [1, 2.5],
    [Number.NaN, 2],
    [1, Number.NaN],
    [0, Number.POSITIVE_INFINITY],
    [2, 7],
    [7, 7],
    [4, 3],
  ];
  for (const [start, end] of bad) {
    test(`[${start}, ${end})`, () => {
      assert.throws(() => applyRedactions(text, [span(start, end)], 'full'), RangeError);
      assert.throws(() => applyRedactions(text, [span(0, 1), span(start, end)], 'full'), RangeError);
    });
  }

  test('spans touching the ends are fine', () => {
    assert.equal(applyRedactions(text, [span(0, 6)], 'full'), '****');
    assert.equal(applyRedactions(text, [span(6, 6), span(0, 0)], 'full'), text);
  });
});
