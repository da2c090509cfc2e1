import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { guardsSchema } from '../config.js';
import { ResponseGuardFactory, type RedactorHit } from './redactor.js';
import { MAX_HELD_SECRET, releaseStep, TextHoldback } from './text-holdback.js';
import { prng } from '../../core/prng.js';
import { AWS_KEY, GITHUB_TOKEN, realRedactor } from './testing.js';

/** Streams `text` in pieces of the given sizes; returns what was released, piece by piece. */
function stream(text: string, sizes: number[], redactor = realRedactor()): { pieces: string[]; hits: RedactorHit[] } {
  const hits: RedactorHit[] = [];
  const h = new TextHoldback(redactor, (hit) => hits.push(hit));
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
      {
        const { pieces, hits } = stream(text, sizes);
        const out = pieces.join('');
        assert.equal(out, expected, `sizes ${sizes}`);
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
      assert.equal(stream(text, sizes).pieces.join(''), expected, `sizes ${sizes}`);
    }
  });

  test('all but the last window characters are released as they arrive, in steps of releaseStep', () => {
    const plain = 'abcdefghij '.repeat(400);
    const h = new TextHoldback(realRedactor(), () => {});
    const window = h.window;
    assert.ok(window >= 1000 && window <= 1024, `window ${window}`);
    assert.equal(h.maxOrdinaryHold, window + releaseStep(window) - 1);
    let released = '';
    for (let i = 0; i < plain.length; i += 5) {
      released += h.push(plain.slice(i, i + 5));
      const seen = Math.min(plain.length, i + 5);
      assert.ok(seen - released.length <= h.maxOrdinaryHold, `${seen - released.length} held after ${seen}`);
      assert.ok(released.length <= Math.max(0, seen - window));
      assert.ok(h.held <= 2 * window + releaseStep(window) + 5, `held ${h.held}`);
    }
    assert.equal(released + h.flush(), plain);
  });

  test('the window is no wider than the longest match the detectors can make', () => {
    const piiOnly = new ResponseGuardFactory(guardsSchema.parse({ pii: {}, secrets: { enabled: false } })).forConsumer()!;
    assert.ok(piiOnly.maxMatchLength < 1024);
    const h = new TextHoldback(piiOnly, () => {});
    const released = h.push('x'.repeat(h.maxOrdinaryHold + 1));
    assert.equal(released.length, h.maxOrdinaryHold + 1 - piiOnly.maxMatchLength);
  });

  test('a finding that reaches into the held tail keeps its start back', () => {
    // The token ends 9 characters into the 12-character tail: released text must stop before it starts.
    const tokens = new ResponseGuardFactory(guardsSchema.parse({ secrets: { enabled: false }, pii: { enabled: false }, patterns: [{ id: 'tok', regex: 'tok-[0-9]{8}' }] })).forConsumer()!;
    const before = 'y'.repeat(40) + ' ';
    const h = new TextHoldback(tokens, () => {});
    assert.equal(h.window, 12);
    const first = h.push(before + 'tok-12345678' + ' and more');
    assert.equal(first, before);
    assert.equal(first + h.flush(), `${before}[REDACTED:tok] and more`);
  });

  test('a redacted match that keeps growing is held up to MAX_HELD_SECRET, then masked and the rest of the block dropped', () => {
    const custom = new ResponseGuardFactory(guardsSchema.parse({ patterns: [{ id: 'run', regex: 'Z{5,}' }] })).forConsumer()!;
    const hits: RedactorHit[] = [];
    const h = new TextHoldback(custom, (hit) => hits.push(hit));
    let out = h.push('start ');
    for (let i = 0; i < MAX_HELD_SECRET + 3 * h.window; i += 50) {
      out += h.push('Z'.repeat(50));
      assert.ok(h.held <= MAX_HELD_SECRET + 3 * h.window, `held ${h.held}`);
    }
    out += h.push(' after the run') + h.flush();
    assert.equal(out, 'start [REDACTED:run]');
    assert.deepEqual(hits.map((x) => x.id), ['patterns:run']);
    assert.equal(h.carry, '');
  });

  test('a private key with no END line is held up to MAX_HELD_SECRET, then masked and the rest of the block dropped', () => {
    const hits: RedactorHit[] = [];
    const h = new TextHoldback(realRedactor(), (hit) => hits.push(hit));
    const intro = 'Here it is:\n';
    const line = 'MIIEowIBAAKCAQEAprKlOB5LC5ak5KoeyoHmBmiX2fSjQ2vfStGgcOyOjZ3jsRlx\n';
    let out = h.push(intro + '-----BEGIN RSA PRIVATE KEY-----\n');
    let sent = 0;
    while (sent < MAX_HELD_SECRET + 2 * h.window) {
      out += h.push(line);
      sent += line.length;
      assert.ok(!out.includes('MIIEow'), `key material out after ${sent} characters`);
      assert.ok(h.held <= MAX_HELD_SECRET + 3 * h.window, `held ${h.held}`);
    }
    out += h.push('\nand the text after it') + h.flush();
    assert.equal(out, `${intro}[REDACTED:private-key]`);
    assert.deepEqual(hits.map((x) => x.id), ['secrets:private-key']);
  });

  test('a surrogate pair at the cut is never split', () => {
    const h = new TextHoldback(realRedactor(), () => {});
    const emoji = '😀'.repeat(1500);
    const pieces: string[] = [];
    for (let i = 0; i < emoji.length; i += 3) pieces.push(h.push(emoji.slice(i, i + 3)));
    pieces.push(h.flush());
    for (const p of pieces) assert.ok(!/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(p), JSON.stringify(p));
    assert.equal(pieces.join(''), emoji);
  });

  test('action log reports the finding once and keeps the text', () => {
    const logging = new ResponseGuardFactory(guardsSchema.parse({ secrets: { action: 'log' } })).forConsumer()!;
    const { pieces, hits } = stream(text, [5], logging);
    assert.equal(pieces.join(''), text);
    assert.deepEqual(hits.map((h) => [h.id, h.redact]).sort(), [['secrets:aws-access-token', false], ['secrets:github-pat', false]]);
  });
});
