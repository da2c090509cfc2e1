import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matched, spans } from './testing.js';

const phone = (text: string, min?: number) => matched(text, ['phone'], min);

describe('phone numbers', () => {
  test('E.164 with and without separators', () => {
    for (const value of ['+14155552671', '+1 415 555 2671', '+1 (415) 555-2671', '+44 20 7946 0958', '+49 30 1234567', '+33 1 23 45 67 89', '+4915112345678', '+81-3-1234-5678']) {
      assert.deepEqual(phone(`call ${value} now`), [value], value);
    }
  });

  test('North American formats', () => {
    for (const value of ['(415) 555-2671', '(415)555-2671', '415-555-2671', '1-800-555-0199', '415 555 2671']) {
      assert.deepEqual(phone(`office: ${value}.`), [value], value);
    }
  });

  test('offsets and labels', () => {
    const text = 'Tel: 415-555-2671';
    const [labelled] = spans(text, ['phone']);
    assert.equal(labelled?.text, '415-555-2671');
    assert.equal(text.indexOf(labelled!.text), 5);
    assert.ok(labelled!.confidence > spans('415-555-2671', ['phone'])[0]!.confidence);
  });

  test('weak shapes need a label: dotted, compact ten digits, trunk-prefixed national numbers', () => {
    assert.deepEqual(phone('415.555.2671'), []);
    assert.deepEqual(phone('phone 415.555.2671'), ['415.555.2671']);
    assert.deepEqual(phone('id 4155552671'), []);
    assert.deepEqual(phone('mobile: 4155552671'), ['4155552671']);
    assert.deepEqual(phone('020 7946 0958'), []);
    assert.deepEqual(phone('phone: 020 7946 0958'), ['020 7946 0958']);
    assert.deepEqual(phone('Tel. 07700 900123'), ['07700 900123']);
  });

  test('versions, IP addresses, timestamps, dates and long ids are not phone numbers', () => {
    for (const text of [
      '1.2.3.4', 'v10.0.19041.1234', '192.168.100.200', '10.0.0.1', '2024-01-15 10:30:45', '2024-01-15T10:30:45+05:30',
      '1700000000000', '20240115103045', '12345678901234567890', '415-555-26710', '911-555-1234', '123-456-7890', '415-155-2671',
      '123e4567-e89b-12d3-a456-426614174000', 'd41d8cd98f00b204e9800998ecf8427e', 'x+14155552671', 'a = b +1234', '+2024-01-15',
      'sha 415-555-2671abc', 'port 8080 pid 12345', '3.14159265358979',
    ]) {
      assert.deepEqual(phone(text, 0.5), [], text);
    }
  });

  test('neighbouring numbers do not merge into one phone number', () => {
    assert.deepEqual(phone('415-555-2671, 415-555-2672'), ['415-555-2671', '415-555-2672']);
  });
});
