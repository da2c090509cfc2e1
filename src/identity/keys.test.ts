import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestsEqual, generateKey, hashKey, isWellFormedKey, KEY_PATTERN } from './keys.js';
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
