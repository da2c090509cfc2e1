import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Finding } from '../detectors/types.js';
import { mask } from './mask.js';

function finding(text: string, value: string, rule = 'card'): Finding {
  const start = text.indexOf(value);
  return { detector: 'pii', rule, start, end: start + value.length, confidence: 0.9 };
}

describe('mask', () => {
  const text = 'card 4111 1111 1111 1234 end';
  const f = finding(text, '4111 1111 1111 1234');

  test('placeholder names the rule', () => {
    assert.equal(mask(text, f, 'placeholder'), '[REDACTED:card]');
    assert.equal(mask(text, { ...f, rule: 'aws-access-token' }, 'placeholder'), '[REDACTED:aws-access-token]');
  });

  test('placeholder never carries quotes, brackets or line breaks from a rule id', () => {
    assert.equal(mask(text, { ...f, rule: 'bad"rule]\n\\x' }, 'placeholder'), '[REDACTED:bad_rule___x]');
  });

  test('full hides even the length', () => {
    assert.equal(mask(text, f, 'full'), '****');
  });

  test('last4 keeps the last four letters or digits, one star per hidden one', () => {
    assert.equal(mask(text, f, 'last4'), '************1234');
    const ssn = 'ssn 123-45-6789';
    assert.equal(mask(ssn, finding(ssn, '123-45-6789', 'ssn'), 'last4'), '*****6789');
    const short = 'pin 1234567';
    assert.equal(mask(short, finding(short, '1234567'), 'last4'), '****');
  });

  test('hash is the first 12 hex of SHA-256, or of an HMAC with a key', () => {
    const value = '4111 1111 1111 1234';
    const plain = createHash('sha256').update(value).digest('hex').slice(0, 12);
    assert.equal(mask(text, f, 'hash'), `[HASH:${plain}]`);
    const keyed = createHmac('sha256', 'k3y').update(value).digest('hex').slice(0, 12);
    assert.equal(mask(text, f, 'hash', { hashKey: 'k3y' }), `[HASH:${keyed}]`);
    assert.notEqual(keyed, plain);
  });

  test('an unknown style is refused', () => {
    assert.throws(() => mask(text, f, 'rot13' as never), /unknown mask style/);
  });

  test('last4 counts exactly the ASCII letters and digits, at every range edge', () => {
    // 'bcd' + c + 'efgh': eight letters or digits when c is one (stars for four, 'efgh' kept),
    // else seven, too few to show anything.
    const rows: Array<[c: string, alnum: boolean]> = [
      ['/', false], ['0', true], ['9', true], [':', false],
      ['@', false], ['A', true], ['Z', true], ['[', false],
      ['`', false], ['a', true], ['z', true], ['{', false],
      ['-', false], [' ', false], ['é', false], ['\u0660', false],
    ];
    for (const [c, alnum] of rows) {
      const value = `bcd${c}efgh`;
      const t = `x ${value} y`;
      assert.equal(mask(t, finding(t, value), 'last4'), alnum ? '****efgh' : '****', JSON.stringify(c));
    }
    for (const [c, alnum] of rows) {
      const value = `1234567${c}`;
      const t = `x ${value} y`;
      assert.equal(mask(t, finding(t, value), 'last4'), alnum ? `****567${c}` : '****', `last ${JSON.stringify(c)}`);
    }
  });

  test('last4 shows the last four from eight letters or digits on, never below', () => {
    const rows: Array<[value: string, want: string]> = [
      ['1234567', '****'],
      ['12345678', '****5678'],
      ['1-2-3-4-5-6-7', '****'],
      ['1-2-3-4-5-6-7-8', '****5678'],
      ['123456789', '*****6789'],
    ];
    for (const [value, want] of rows) {
      const t = `pin ${value}.`;
      assert.equal(mask(t, finding(t, value), 'last4'), want, value);
    }
  });
});
