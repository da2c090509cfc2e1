import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestsEqual, generateKey, hashKey, isWellFormedKey, KEY_PATTERN, keyHint, newKeyId } from './keys.js';
import { extractCredential } from './credential.js';

test('generated keys are well-formed, unique, checksummed', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const k = generateKey();
    assert.ok(isWellFormedKey(k), k);
    assert.match(k, KEY_PATTERN);
    seen.add(k);
  }
  assert.equal(seen.size, 200);
  const k = generateKey();
  const typo = k.slice(0, 10) + (k[10] === 'a' ? 'b' : 'a') + k.slice(11);
  assert.equal(isWellFormedKey(typo), false, 'a one-character change breaks the checksum');
  assert.ok(digestsEqual(hashKey(k), hashKey(k)));
  assert.ok(!digestsEqual(hashKey(k), hashKey(typo)));
});

test('credentials from Authorization: Bearer, x-api-key and apikey', () => {
  const k = generateKey();
  assert.equal(extractCredential(['Authorization', `Bearer ${k}`]), k);
  assert.equal(extractCredential(['X-Api-Key', k]), k);
  assert.equal(extractCredential(['apikey', k]), k);
  assert.equal(extractCredential(['authorization', 'Basic abc']), undefined);
  assert.equal(extractCredential(['authorization', `Bearer ${k}`, 'x-api-key', k]), k, 'the same key twice is fine');
  assert.equal(extractCredential(['authorization', `Bearer ${k}`, 'x-api-key', 'sk-ant-other']), k, 'the one Warden-shaped key wins');
  assert.throws(() => extractCredential(['authorization', `Bearer ${k}`, 'x-api-key', generateKey()]), /several different credentials/);
});

// Fixed vectors: the checksum is CRC-32 (IEEE, as zlib's) of the 36-character body, in six
// base62 digits, most significant first. Keys already issued must stay valid across releases.
const VECTORS: Array<[key: string, crc32: number]> = [
  ['wdn_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0TyBiU', 0x1a657be2],
  ['wdn_abcdefghijklmnopqrstuvwxyz0123456789464tr9', 0xdfc6f27b],
  ['wdn_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1ej79G', 0x5a79e752],
];

function base62(n: number): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) s = digits[n % 62] + s;
  return s;
}

test('key checksum: fixed vectors are accepted', () => {
  for (const [key, crc] of VECTORS) {
    assert.equal(key.slice(40), base62(crc), `vector ${key} is self-consistent`);
    assert.equal(isWellFormedKey(key), true, key);
  }
});

test('key shape: wrong prefix, length, alphabet or checksum is refused', () => {
  const good = VECTORS[0]![0];
  const rows: Array<[key: string, label: string]> = [
    [`xdn_${good.slice(4)}`, 'other prefix, same length'],
    [`WDN_${good.slice(4)}`, 'prefix in capitals'],
    [`wdn-${good.slice(4)}`, 'dash for underscore'],
    [good.slice(0, 45), 'one character short'],
    [`${good}0`, 'one character long'],
    ['', 'empty'],
    [`${good.slice(0, 40)}${good.slice(41)}x`, 'checksum changed'],
    [`${good.slice(0, 40)}0TyBiu`, 'checksum case changed'],
    // Bodies with a character outside base62 but a matching CRC: only the alphabet check refuses them.
    ['wdn_abcde-ghijklmnopqrstuvwxyz01234567893JGeYM', 'dash inside the body'],
    ['wdn_-bcdefghijklmnopqrstuvwxyz0123456789318V5E', 'dash at the start of the body'],
    ['wdn_abcdefghijklmnopqrstuvwxyz012345678-3bneOk', 'dash at the end of the body'],
  ];
  for (const [key, label] of rows) assert.equal(isWellFormedKey(key), false, label);
});

test('digestsEqual: different lengths are unequal, never an exception', () => {
  const h = hashKey('wdn_x');
  const rows: Array<[a: string, b: string, want: boolean]> = [
    [h, h, true],
    [h, hashKey('wdn_y'), false],
    [h, h.slice(0, 62), false],
    [h, `${h}00`, false],
    [h, '', false],
    ['', h, false],
    ['ab', 'abcd', false],
  ];
  for (const [a, b, want] of rows) assert.equal(digestsEqual(a, b), want, `${a.length} vs ${b.length}`);
});

test('keyHint shows only the prefix and four body characters; key ids have their own shape', () => {
  const k = VECTORS[1]![0];
  assert.equal(keyHint(k), 'wdn_abcd…');
  const ids = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const id = newKeyId();
    assert.match(id, /^key_[0-9A-Za-z]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 20);
});
