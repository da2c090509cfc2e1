import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { guardsSchema } from '../config.js';
import { ResponseGuardFactory, type RedactorHit } from './redactor.js';
import { TextHoldback } from './text-holdback.js';
import { AWS_KEY, GITHUB_TOKEN, prng, realRedactor } from './testing.js';

/** Streams `text` in pieces of the given sizes; returns what was released, piece by piece. */
function stream(text: string, sizes: number[], window: number, redactor = realRedactor()): { pieces: string[]; hits: RedactorHit[] } {
  const hits: RedactorHit[] = [];
  const h = new TextHoldback(redactor, window, (hit) => hits.push(hit));
  const pieces: string[] = [];
  let at = 0;
  for (let i = 0; at < text.length; i++) {
    const size = sizes[i % sizes.length]!;
    pieces.push(h.push(text.slice(at, at + size)));
    at += size;
  }
  pieces.push(h.flush());
  return { pieces, hits };
}

/** Every substring of `secret` this long or longer that shows up in `out`. */
function leaked(out: string, secret: string, min = 6): string[] {
  const found: string[] = [];
  for (let i = 0; i + min <= secret.length; i++) if (out.includes(secret.slice(i, i + min))) found.push(secret.slice(i, i + min));
  return found;
}

describe('TextHoldback', () => {
  const prose = 'The deployment script reads its settings from the environment. ';
  const text = `${prose.repeat(3)}Use ${AWS_KEY} for the bucket and ${GITHUB_TOKEN} for the repo. ${prose.repeat(3)}`;
  const expected = realRedactor().redact(text).text;

  test('a secret split across 2, 5 or many pieces is released only masked', () => {
    assert.ok(expected.includes('[REDACTED:aws-access-token]') && expected.includes('[REDACTED:github-pat]'));
    for (const sizes of [[text.indexOf(AWS_KEY) + 10, text.length], [4], [1], [3, 7, 2], [40]]) {
      for (const window of [64, 128, 1024]) {
        const { pieces, hits } = stream(text, sizes, window);
        const out = pieces.join('');
        assert.equal(out, expected, `sizes ${sizes} window ${window}`);
        assert.deepEqual(leaked(out, AWS_KEY), []);
        assert.deepEqual(leaked(out, GITHUB_TOKEN), []);
        assert.deepEqual(hits.map((h) => h.id).sort(), ['secrets:aws-access-token', 'secrets:github-pat']);
      }
    }
  });

  test('random piece sizes give the same masked text', () => {
    const rand = prng(7);
    for (let run = 0; run < 50; run++) {
      const sizes = Array.from({ length: 20 }, () => 1 + Math.floor(rand() * 30));
      assert.equal(stream(text, sizes, 48).pieces.join(''), expected, `sizes ${sizes}`);
    }
  });

  test('all but the last window characters are released as soon as they arrive', () => {
    const plain = 'abcdefghij '.repeat(100);
    const h = new TextHoldback(realRedactor(), 64, () => {});
    let released = '';
    for (let i = 0; i < plain.length; i += 5) {
      released += h.push(plain.slice(i, i + 5));
      const seen = Math.min(plain.length, i + 5);
      assert.equal(released.length, Math.max(0, seen - 64));
      assert.ok(h.held <= 2 * 64 + 5, `held ${h.held}`);
    }
    assert.equal(released + h.flush(), plain);
  });

  test('the window is no wider than the longest match the detectors can make', () => {
    const piiOnly = new ResponseGuardFactory(guardsSchema.parse({ pii: {}, secrets: { enabled: false } })).forConsumer()!;
    assert.ok(piiOnly.maxMatchLength < 1024);
    const h = new TextHoldback(piiOnly, 1024, () => {});
    const released = h.push('x'.repeat(piiOnly.maxMatchLength + 10));
    assert.equal(released.length, 10);
  });

  test('a finding that reaches into the held tail keeps its start back', () => {
    // The AWS key ends 3 characters into the tail: released text must stop before it starts.
    const window = 16;
    const before = 'y'.repeat(40) + ' ';
    const h = new TextHoldback(realRedactor(), window, () => {});
    const first = h.push(before + AWS_KEY + ' and more');
    assert.equal(first, before);
    assert.equal(first + h.flush(), `${before}[REDACTED:aws-access-token] and more`);
  });

  test('a match that keeps growing is cut at twice the window, never held without bound', () => {
    const custom = new ResponseGuardFactory(guardsSchema.parse({ patterns: [{ id: 'run', regex: 'Z{5,}' }] })).forConsumer()!;
    const h = new TextHoldback(custom, 32, () => {});
    let out = '';
    for (let i = 0; i < 400; i++) {
      out += h.push('Z');
      assert.ok(h.held <= 32 * 4, `held ${h.held}`);
    }
    out += h.flush();
    assert.ok(!out.includes('ZZZZZ'), out);
  });

  test('a surrogate pair at the cut is never split', () => {
    const h = new TextHoldback(realRedactor(), 16, () => {});
    const emoji = '😀'.repeat(40);
    const pieces: string[] = [];
    for (let i = 0; i < emoji.length; i += 3) pieces.push(h.push(emoji.slice(i, i + 3)));
    pieces.push(h.flush());
    for (const p of pieces) assert.ok(!/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(p), JSON.stringify(p));
    assert.equal(pieces.join(''), emoji);
  });

  test('action log reports the finding once and keeps the text', () => {
    const logging = new ResponseGuardFactory(guardsSchema.parse({ secrets: { action: 'log' } })).forConsumer()!;
    const { pieces, hits } = stream(text, [5], 64, logging);
    assert.equal(pieces.join(''), text);
    assert.deepEqual(hits.map((h) => [h.id, h.redact]).sort(), [['secrets:aws-access-token', false], ['secrets:github-pat', false]]);
  });
});
