import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matched, spans } from './testing.js';

const card = (text: string, min?: number) => matched(text, ['card'], min);

describe('card numbers', () => {
  test('valid Visa, Mastercard, Amex, Discover, JCB and Diners numbers', () => {
    for (const pan of [
      '4111111111111111', '4012888888881881', '4222222222222', // Visa 16 and 13
      '5555555555554444', '5105105105105100', '2221000000000009', // Mastercard 5x and 2-series
      '378282246310005', '371449635398431', // Amex
      '6011111111111117', '3530111333300000', '30569309025904', // Discover, JCB, Diners
    ]) {
      assert.deepEqual(card(`pay with ${pan} today`), [pan], pan);
    }
  });

  test('grouped forms with spaces or dashes', () => {
    assert.deepEqual(card('card: 4111 1111 1111 1111, exp 12/29'), ['4111 1111 1111 1111']);
    assert.deepEqual(card('card: 5555-5555-5555-4444.'), ['5555-5555-5555-4444']);
    assert.deepEqual(card('amex 3782 822463 10005'), ['3782 822463 10005']);
    assert.deepEqual(card('diners 3056 930902 5904'), ['3056 930902 5904']);
  });

  test('offsets point at the number', () => {
    const text = 'x = "4111 1111 1111 1111";';
    const [s] = spans(text, ['card']);
    assert.equal(s?.text, '4111 1111 1111 1111');
    assert.equal(text.indexOf(s!.text), 5);
  });

  test('grouped numbers score above compact ones, known issuers above unknown', () => {
    const [grouped] = spans('4111 1111 1111 1111', ['card']);
    const [compact] = spans('4111111111111111', ['card']);
    assert.ok(grouped!.confidence > compact!.confidence);
    // 1000000000009 passes Luhn but no issuer starts with 1 (epoch-millisecond timestamps do).
    assert.deepEqual(card('1000000000009'), []);
    assert.deepEqual(spans('1000000000009', ['card'], 0).map((s) => s.confidence < 0.5), [true]);
  });

  test('invalid Luhn, wrong lengths and filler digits are not cards', () => {
    for (const text of ['4111111111111112', '378282246310006', '411111111111', '41111111111111111111', '0000000000000000', '4111 1111 1111 111', '4111 1111 11111 1111']) {
      assert.deepEqual(card(text, 0), [], text);
    }
  });

  test('digits glued to identifiers, hashes, UUIDs and decimals are not cards', () => {
    for (const text of [
      'id_4111111111111111', '0x4111111111111111', 'a4111111111111111b', '4111111111111111abc',
      'order-4111111111111111', '3.4111111111111111', '4111111111111111.5', '2024-4111111111111111',
      'd41d8cd98f00b204e9800998ecf8427e', '123e4567-e89b-12d3-a456-426614174000', '+4111111111111111',
    ]) {
      assert.deepEqual(card(text, 0), [], text);
    }
  });

  test('two cards in one run of groups are found separately', () => {
    assert.deepEqual(card('4111 1111 1111 1111 5555 5555 5555 4444'), ['4111 1111 1111 1111', '5555 5555 5555 4444']);
  });
});
