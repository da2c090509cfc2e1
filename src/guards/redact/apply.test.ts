import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding } from '../detectors/types.js';
import { createPiiDetector } from '../detectors/pii/index.js';
import { applyRedactions } from './apply.js';
import { MASK_STYLES } from './mask.js';

function at(text: string, value: string, rule: string, from = 0): Finding {
  const start = text.indexOf(value, from);
  assert.ok(start >= 0, `${value} in text`);
  return { detector: 'test', rule, start, end: start + value.length, confidence: 1 };
}

describe('applyRedactions', () => {
  test('replaces each finding and keeps the rest byte for byte', () => {
    const text = 'mail a@example.com or call 415-555-2671 today';
    const out = applyRedactions(text, [at(text, '415-555-2671', 'phone'), at(text, 'a@example.com', 'email')], 'placeholder');
    assert.equal(out, 'mail [REDACTED:email] or call [REDACTED:phone] today');
  });

  test('no findings: the very same string', () => {
    const text = 'nothing';
    assert.equal(applyRedactions(text, [], 'full'), text);
  });

  test('overlapping findings merge and take the widest one’s rule', () => {
    const text = 'key=AKIAABCDEFGHIJKLMNOP:rest';
    const inner = at(text, 'ABCDEFGH', 'short-rule');
    const wide = at(text, 'AKIAABCDEFGHIJKLMNOP', 'aws-access-token');
    const tail = at(text, 'MNOP:re', 'tail-rule');
    assert.equal(applyRedactions(text, [inner, tail, wide], 'placeholder'), 'key=[REDACTED:aws-access-token]st');
  });

  test('adjacent findings merge into one replacement', () => {
    const text = 'xxAAAABBBByy';
    assert.equal(applyRedactions(text, [at(text, 'AAAA', 'a'), at(text, 'BBBBy', 'b')], 'placeholder'), 'xx[REDACTED:b]y');
  });

  test('the style may depend on the finding', () => {
    const text = 'card 4111111111111111 ssn 123-45-6789';
    const findings = createPiiDetector().detect(text);
    const out = applyRedactions(text, findings, (f) => (f.rule === 'card' ? 'last4' : 'placeholder'));
    assert.equal(out, 'card ************1111 ssn [REDACTED:ssn]');
  });

  test('empty findings are ignored and spans outside the text are refused', () => {
    const text = 'abc';
    assert.equal(applyRedactions(text, [{ detector: 'd', rule: 'r', start: 1, end: 1, confidence: 1 }], 'full'), 'abc');
    assert.throws(() => applyRedactions(text, [{ detector: 'd', rule: 'r', start: 2, end: 9, confidence: 1 }], 'full'), RangeError);
    assert.throws(() => applyRedactions(text, [{ detector: 'd', rule: 'r', start: 2, end: 1, confidence: 1 }], 'full'), RangeError);
  });

  test('a surrogate pair is never split', () => {
    const text = 'a😀b';
    // A span that starts in the middle of the emoji swallows all of it.
    assert.equal(applyRedactions(text, [{ detector: 'd', rule: 'r', start: 2, end: 3, confidence: 1 }], 'full'), 'a****b');
    assert.equal(applyRedactions(text, [{ detector: 'd', rule: 'r', start: 0, end: 2, confidence: 1 }], 'full'), '****b');
  });

  test('redacting a decoded JSON string and re-encoding it stays valid JSON, for every style', () => {
    const decoded = 'He said "pay \\ to" DE89 3704 0044 0532 0130 00\n\tand mail "x@example.com"\u0001 card 4111-1111-1111-1111😀';
    const findings = createPiiDetector().detect(decoded);
    assert.equal(findings.length, 3);
    for (const style of MASK_STYLES) {
      const redacted = applyRedactions(decoded, findings, style);
      const body = JSON.stringify({ content: [{ type: 'text', text: redacted }] });
      assert.equal(JSON.parse(body).content[0].text, redacted, style);
      assert.ok(!redacted.includes('4111-1111') && !redacted.includes('x@example.com') && !redacted.includes('DE89'), style);
      // Everything that changed is plain printable ASCII without quotes or backslashes.
      const replaced = redacted.replace('He said "pay \\ to" ', '').replace('\n\tand mail "', '').replace('"\u0001 card ', '').replace('😀', '');
      assert.match(replaced, /^[\x20-\x7e]+$/, style);
      assert.ok(!/["\\]/.test(replaced), style);
    }
  });
});
