import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prng } from '../../../core/prng.js';
import { findEncodedRuns, type EncodedRun } from './base64.js';
import { decodeEscapedLines } from './escapes.js';
import { chains } from './joined.js';

/*
 * The candidate finders skip most of the text (sampling, indexOf); each is held here to the
 * plain definition it replaces — a loop over every character, a regex tried at every position —
 * on random texts made of the pieces that matter to it.
 */

const ALPHABET = /[A-Za-z0-9+/_-]/;

/** Every run by definition: a character loop, lines of 16+ joined across breaks, a shorter last line. */
function referenceRuns(text: string): EncodedRun[] {
  const isB64 = (i: number) => i < text.length && ALPHABET.test(text[i]!);
  const breakAt = (i: number) =>
    text[i] === '\n' ? 1 : text.startsWith('\r\n', i) ? 2 : text.startsWith('\\r\\n', i) ? 4 : text.startsWith('\\n', i) ? 2 : 0;
  const endsLine = (i: number) => i >= text.length || /[\n\r \t"']/.test(text[i]!) || breakAt(i) > 0;
  const out: EncodedRun[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isB64(i)) { i++; continue; }
    const start = i;
    let end = i;
    let chars = '';
    let allHex = true;
    for (;;) {
      const segStart = i;
      while (isB64(i)) i++;
      const seg = text.slice(segStart, i);
      let j = i;
      while (j < text.length && j - i < 2 && text[j] === '=') j++;
      if (seg.length < 16) {
        if (segStart !== start && endsLine(j)) { end = j; chars += seg; allHex &&= /^[0-9a-fA-F]*$/.test(seg) && j === i; }
        break;
      }
      end = j;
      chars += seg;
      allHex &&= /^[0-9a-fA-F]*$/.test(seg) && j === i;
      const br = j > i ? 0 : breakAt(j);
      if (!br || !isB64(j + br)) { i = j; break; }
      i = j + br;
    }
    const mixed = /[0-9]/.test(chars) && /[A-Z]/.test(chars) && /[a-z]/.test(chars);
    if (end > start && (allHex || mixed)) out.push({ start, end, allHex, mixed });
    if (i <= start) i = start + 1;
  }
  return out;
}

const PIECES = [
  ' ', '\n', '\\n', '\r\n', '\\r\\n', '=', '==', '"', "'", ':', '.', 'é', 'getElementById', 'x', 'ab12',
  'deadbeef00112233', '0123456789abcdef0123', 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo', 'aGVsbG8gd29ybGQgaGVsbG8',
  'R0lUSFVCX1RPS0VOPWdocF9', 'c2VjcmV0', 'ZZZZZZZZZZZZZZZZZZ', 'a-b_c+d/e',
];

function randomText(rand: () => number, parts: readonly string[], n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += parts[Math.floor(rand() * parts.length)]!;
  return s;
}

test('findEncodedRuns (sampling every 16th character) finds exactly the runs a character loop finds', () => {
  const rand = prng(15);
  for (let k = 0; k < 3000; k++) {
    const text = randomText(rand, PIECES, 1 + Math.floor(rand() * 60));
    assert.deepEqual(findEncodedRuns(text), referenceRuns(text), JSON.stringify(text));
  }
});

const CHAIN = /(?:"[^"\\\n]*"|'[^'\\\n]*')(?:\s*\+\s*(?:"[^"\\\n]*"|'[^'\\\n]*'))+/g;

test('joined literals: the chains found from the `+` signs are the leftmost matches of the chain regex over the whole text', () => {
  const rand = prng(16);
  const parts = ['"', "'", '+', ' + ', '\n', '\\', 'ab', 'ghp_', ' ', '\u00a0', ';', 'x = '];
  for (let k = 0; k < 5000; k++) {
    const text = randomText(rand, parts, 1 + Math.floor(rand() * 40));
    const expected = [...text.matchAll(CHAIN)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
    assert.deepEqual([...chains(text)], expected, JSON.stringify(text));
  }
});

test('escaped lines: every line with `\\"` or `\\\\` is decoded, and only those', () => {
  const rand = prng(17);
  const parts = ['\\', '"', '\\"', '\\\\', '\\n', '\n', 'a', ' '];
  for (let k = 0; k < 3000; k++) {
    const text = randomText(rand, parts, 1 + Math.floor(rand() * 40));
    const expected: Array<[number, number]> = [];
    const re = /\\["\\]/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const s = text.lastIndexOf('\n', m.index) + 1;
      let e = text.indexOf('\n', m.index);
      if (e < 0) e = text.length;
      expected.push([s, e]);
      re.lastIndex = e;
    }
    const got = decodeEscapedLines(text).map((d) => [d.from(0), d.to(d.text.length - 1)]);
    assert.deepEqual(got, expected.map(([s, e]) => [s, e]).filter(([s, e]) => e > s), JSON.stringify(text));
  }
});
