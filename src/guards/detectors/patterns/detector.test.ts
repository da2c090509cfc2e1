import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isWardenError } from '../../../core/errors.js';
import { UNBOUNDED_PATTERN_HOLDBACK, createPatternDetector } from './detector.js';

function matches(detector: ReturnType<typeof createPatternDetector>, text: string): Array<[string, string]> {
  return detector.detect(text).map((f) => [f.rule, text.slice(f.start, f.end)]);
}

describe('createPatternDetector', () => {
  test('finds every match of every pattern with offsets, rule = pattern id', () => {
    const detector = createPatternDetector([
      { id: 'employee-id', regex: 'EMP-\\d{6}' },
      { id: 'project', regex: '\\bproject[ _-]falcon\\b', flags: 'i', confidence: 0.6 },
    ]);
    assert.equal(detector.id, 'patterns');
    const text = 'EMP-123456 works on Project Falcon with EMP-654321; projectfalcon is not it';
    const findings = detector.detect(text);
    assert.deepEqual(matches(detector, text), [
      ['employee-id', 'EMP-123456'],
      ['project', 'Project Falcon'],
      ['employee-id', 'EMP-654321'],
    ]);
    assert.equal(findings[1]?.confidence, 0.6);
    assert.equal(findings[0]?.detector, 'patterns');
  });

  test('the pathological (a+)+$ finishes on 100 000 a’s followed by !', { timeout: 10_000 }, () => {
    const detector = createPatternDetector([{ id: 'redos', regex: '(a+)+$' }]);
    const text = 'a'.repeat(100_000) + '!';
    assert.deepEqual(detector.detect(text), []);
    // and it still matches where it should
    assert.deepEqual(matches(detector, 'xx aaa'), [['redos', 'aaa']]);
    assert.deepEqual(matches(detector, 'a'.repeat(1000)), [['redos', 'a'.repeat(1000)]]);
  });

  test('anchors, word boundaries and multi-line mode behave as in RE2 across chunk borders', () => {
    const detector = createPatternDetector([
      { id: 'line', regex: '^TICKET-\\d{4}$', flags: 'm' },
      { id: 'word', regex: '\\bkey\\d{3}\\b' },
    ]);
    const filler = 'x'.repeat(32 * 1024 - 3); // puts the next line start right at the chunk border
    const text = `${filler}\nTICKET-1234\nxkey123 key456 TICKET-9999x\n${'y'.repeat(40_000)}key789`;
    assert.deepEqual(matches(detector, text), [
      ['line', 'TICKET-1234'],
      ['word', 'key456'],
    ]);
    // without the m flag ^ means the start of the text only
    const strict = createPatternDetector([{ id: 'start', regex: '^TICKET-\\d{4}' }]);
    assert.deepEqual(matches(strict, text), []);
    assert.deepEqual(matches(strict, 'TICKET-0001 TICKET-0002'), [['start', 'TICKET-0001']]);
  });

  test('matches that straddle chunk borders are found once, whole', () => {
    const detector = createPatternDetector([{ id: 'tok', regex: 'tok_[a-z0-9]{20}' }]);
    const secret = 'tok_abcdefghij0123456789';
    for (const at of [32 * 1024 - 10, 32 * 1024 - 1, 32 * 1024, 64 * 1024 - 4]) {
      const text = '.'.repeat(at) + secret + '.'.repeat(100);
      const found = detector.detect(text);
      assert.deepEqual(found.map((f) => [f.start, f.end]), [[at, at + secret.length]], `at ${at}`);
    }
  });

  test('windowed and whole-text scans agree on a large mixed text', () => {
    const bounded = createPatternDetector([{ id: 'b', regex: '[A-Z]{3}-\\d{4}' }]);
    const unbounded = createPatternDetector([{ id: 'b', regex: '[A-Z]{3}-\\d{4}\\d*' }]);
    let text = '';
    for (let i = 0; i < 20_000; i++) text += i % 97 === 0 ? ` ABC-${1000 + i} ` : 'lorem ipsum 😀 ';
    const a = bounded.detect(text).map((f) => [f.start, f.end]);
    const b = unbounded.detect(text).map((f) => [f.start, f.end]);
    assert.equal(a.length, Math.floor(19_999 / 97) + 1);
    assert.deepEqual(a, b.map(([s]) => [s, s! + 8]));
  });

  test('hold-back window: the longest bounded match, capped for unbounded patterns', () => {
    assert.equal(createPatternDetector([{ id: 'a', regex: 'EMP-\\d{6}' }, { id: 'b', regex: 'x{3}' }]).maxMatchLength, 10);
    assert.equal(createPatternDetector([{ id: 'a', regex: 'EMP-\\d+' }]).maxMatchLength, UNBOUNDED_PATTERN_HOLDBACK);
    assert.equal(createPatternDetector([]).maxMatchLength, 0);
    assert.deepEqual(createPatternDetector([]).detect('anything'), []);
  });

  test('a bad pattern is refused when the detector is built, with a config error naming it', () => {
    assert.throws(
      () => createPatternDetector([{ id: 'good', regex: 'x' }, { id: 'quoted', regex: '([\'"]).*?\\1' }]),
      (e: unknown) => isWardenError(e) && e.code === 'WARDEN_E_CONFIG_INVALID' && e.rule === 'quoted' && /custom pattern "quoted": backreference/.test(e.message),
    );
    assert.throws(() => createPatternDetector([{ id: 'a', regex: 'x' }, { id: 'a', regex: 'y' }]), /defined twice/);
  });
});
