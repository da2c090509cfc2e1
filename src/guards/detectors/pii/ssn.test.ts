import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matched, spans } from './testing.js';

const ssn = (text: string, min?: number) => matched(text, ['ssn'], min);

describe('US social security numbers', () => {
  test('dashed AAA-GG-SSSS', () => {
    assert.deepEqual(ssn('employee 123-45-6789 joined'), ['123-45-6789']);
    assert.deepEqual(ssn('078-05-1120'), ['078-05-1120']);
    assert.deepEqual(ssn('"ssn":"219-09-9999"'), ['219-09-9999']);
    assert.deepEqual(ssn('899-99-9999'), ['899-99-9999']);
  });

  test('offsets and a label raise the confidence', () => {
    const text = 'SSN: 123-45-6789';
    const [labelled] = spans(text, ['ssn']);
    const [bare] = spans('123-45-6789', ['ssn']);
    assert.equal(text.slice(5, 16), labelled!.text);
    assert.ok(labelled!.confidence > bare!.confidence);
  });

  test('areas 000, 666 and 900-999, group 00 and serial 0000 are never issued', () => {
    for (const text of ['000-12-3456', '666-12-3456', '900-12-3456', '999-12-3456', '123-00-4567', '123-45-0000']) {
      assert.deepEqual(ssn(`SSN ${text}`, 0), [], text);
    }
  });

  test('undashed and spaced forms only next to a label, with lower confidence', () => {
    assert.deepEqual(ssn('order 123456789 shipped', 0), []);
    assert.deepEqual(ssn('123 45 6789', 0), []);
    const [undashed] = spans('Social Security Number: 123456789', ['ssn']);
    assert.equal(undashed?.text, '123456789');
    assert.ok(undashed!.confidence < spans('123-45-6789', ['ssn'])[0]!.confidence);
    assert.deepEqual(ssn('ssn 123 45 6789'), ['123 45 6789']);
    assert.deepEqual(ssn('SSN: 000000000', 0), []);
  });

  test('look-alikes in code and data are not SSNs', () => {
    for (const text of ['2024-01-15', '123-45-67890', '1123-45-6789', 'v123-45-6789', '123-45-6789-1', '12-345-6789', '123.45.6789', 'abc-123-45-6789x']) {
      assert.deepEqual(ssn(text, 0), [], text);
    }
  });
});
