import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { LiteralScanner } from './literal-scanner.js';

/** Every (literal index, start) pair, the slow way. */
function naive(literals: readonly string[], text: string): string[] {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const out: string[] = [];
  literals.forEach((lit, id) => {
    const l = lit.toLowerCase();
    for (let p = lower.indexOf(l); p >= 0; p = lower.indexOf(l, p + 1)) out.push(`${id}@${p}`);
  });
  return out.sort();
}

function scanned(scanner: LiteralScanner, text: string): string[] {
  const hits = scanner.scan(text);
  const out: string[] = [];
  for (let i = 0; i < hits.count; i++) out.push(`${hits.ids[i]}@${hits.starts[i]}`);
  return out.sort();
}

function randomText(length: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

test('overlapping and nested literals are all reported, ignoring ASCII case', () => {
  const literals = ['he', 'she', 'his', 'hers', 'ushers', 's.'];
  const scanner = new LiteralScanner(literals);
  for (const text of ['ushers', 'USHERS', 'this.she said his hers', '', 's', 'S.S.s.']) {
    assert.deepEqual(scanned(scanner, text), naive(literals, text), text);
  }
});

test('random texts, short and long (the four-way interleaved path), match a naive search', () => {
  const literals = ['ab', 'abc', 'bca', 'cab', 'aaaa', 'c-a', 'b_b', 'abcabcab'];
  const scanner = new LiteralScanner(literals);
  for (const length of [0, 1, 7, 100, 4095, 4096, 4097, 20_000, 65_537]) {
    const text = randomText(length, 'abcABC-_ é');
    assert.deepEqual(scanned(scanner, text), naive(literals, text), `length ${length}`);
  }
});

test('literals that cross the seams between the four quarters are found once', () => {
  const scanner = new LiteralScanner(['needle-in-haystack']);
  const n = 40_000;
  const q = n >> 2;
  const chars = Array.from({ length: n }, () => '.');
  for (const seam of [q, 2 * q, 3 * q]) {
    for (const back of [1, 9, 17]) chars.splice(seam - back, 18, ...'needle-in-haystack');
  }
  const text = chars.join('').slice(0, n);
  assert.deepEqual(scanned(scanner, text), naive(['needle-in-haystack'], text));
});

test('starts are UTF-16 offsets; non-ASCII units never match and never shift offsets', () => {
  const scanner = new LiteralScanner(['key']);
  const text = '😀İ key ǩEY k\u212Aey KEY';
  assert.deepEqual(scanned(scanner, text), ['0@4', '0@17'].sort());
});

test('the hit buffer grows, and is reused across scans', () => {
  const scanner = new LiteralScanner(['a']);
  assert.equal(scanner.scan('a'.repeat(100_000)).count, 100_000);
  assert.equal(scanner.scan('bab').count, 1);
});

test('literals must be printable ASCII', () => {
  assert.throws(() => new LiteralScanner(['ключ']));
  assert.throws(() => new LiteralScanner(['']));
  assert.throws(() => new LiteralScanner(['a\nb']));
});
