import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_PII_MIN_CONFIDENCE, PII_KINDS, createPiiDetector } from './index.js';
import { assertNoMatchedText } from './testing.js';

const MIXED = [
  'Customer: jane.doe@example.com, phone +1 (415) 555-2671,',
  'card 4111 1111 1111 1111, SSN 123-45-6789,',
  'IBAN DE89 3704 0044 0532 0130 00.',
].join('\n');

describe('createPiiDetector', () => {
  test('finds every kind, sorted by position, with id pii and rule = kind', () => {
    const detector = createPiiDetector();
    assert.equal(detector.id, 'pii');
    const findings = detector.detect(MIXED);
    assert.deepEqual(
      findings.map((f) => [f.detector, f.rule, MIXED.slice(f.start, f.end)]),
      [
        ['pii', 'email', 'jane.doe@example.com'],
        ['pii', 'phone', '+1 (415) 555-2671'],
        ['pii', 'card', '4111 1111 1111 1111'],
        ['pii', 'ssn', '123-45-6789'],
        ['pii', 'iban', 'DE89 3704 0044 0532 0130 00'],
      ],
    );
    for (const f of findings) assertNoMatchedText(f, MIXED);
  });

  test('kinds limits what is looked for, and the hold-back window with it', () => {
    const detector = createPiiDetector({ kinds: ['card', 'ssn'] });
    assert.deepEqual(detector.detect(MIXED).map((f) => f.rule), ['card', 'ssn']);
    assert.equal(detector.maxMatchLength, 23);
    assert.equal(createPiiDetector().maxMatchLength, 254);
    assert.deepEqual(createPiiDetector({ kinds: [] }).detect(MIXED), []);
  });

  test('minConfidence drops weak findings', () => {
    const text = 'ref 415.555.2671';
    assert.equal(DEFAULT_PII_MIN_CONFIDENCE, 0.5);
    assert.deepEqual(createPiiDetector().detect(text), []);
    assert.equal(createPiiDetector({ minConfidence: 0.4 }).detect(text).length, 1);
    assert.deepEqual(createPiiDetector({ minConfidence: 0.99 }).detect(MIXED), []);
  });

  test('bad options are refused', () => {
    assert.throws(() => createPiiDetector({ kinds: ['passport' as never] }), /unknown PII kind "passport"/);
    assert.throws(() => createPiiDetector({ minConfidence: 2 }), RangeError);
    assert.throws(() => createPiiDetector({ minConfidence: Number.NaN }), RangeError);
  });

  test('digits inside an IBAN are not reported as cards or phone numbers', () => {
    const findings = createPiiDetector({ minConfidence: 0 }).detect('IBAN GB29 NWBK 6016 1331 9268 19 and DE89 3704 0044 0532 0130 00');
    assert.deepEqual(findings.map((f) => f.rule), ['iban', 'iban']);
  });

  test('source-code look-alikes produce nothing at any confidence', () => {
    const code = [
      'const id = "123e4567-e89b-12d3-a456-426614174000";',
      'const sha = "d41d8cd98f00b204e9800998ecf8427e"; // md5',
      'const sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";',
      '"version": "1.2.3", "node": ">=18.17.1", ip: "192.168.100.200", ts: 1700000000000,',
      'created: "2024-01-15T10:30:45.123Z", offset: "+05:30", epoch: 1705314645,',
      '/** @param {string} name @returns {Promise<void>} */ import x from "lodash@4.17.21";',
      'target: ES2015, chars: UTF8, snowflake: 1180000000000000000, big: 12345678901234567890n',
      'for (let i = 0; i < 1000000; i++) total += i * 100000 + 1234567;',
    ].join('\n');
    assert.deepEqual(createPiiDetector({ minConfidence: 0 }).detect(code), []);
  });

  test('offsets stay right after characters outside the BMP', () => {
    const text = '😀😀 mail 😀 a@example.com 😀 card 4111111111111111';
    const findings = createPiiDetector().detect(text);
    assert.deepEqual(findings.map((f) => text.slice(f.start, f.end)), ['a@example.com', '4111111111111111']);
  });

  test('the detector is reusable: repeated and interleaved calls give the same answer', () => {
    const a = createPiiDetector();
    const b = createPiiDetector({ kinds: [...PII_KINDS] });
    const first = a.detect(MIXED);
    assert.deepEqual(b.detect('nothing here 123'), []);
    assert.deepEqual(a.detect(MIXED), first);
    assert.deepEqual(b.detect(MIXED), first);
  });

  test('large inputs with many digits finish and stay linear in shape', () => {
    const noisy = '1234 5678 '.repeat(50_000) + '4111 1111 1111 1111';
    const findings = createPiiDetector({ kinds: ['card'] }).detect(noisy);
    assert.ok(findings.some((f) => noisy.slice(f.start, f.end) === '4111 1111 1111 1111'));
  });
});
