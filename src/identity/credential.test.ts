import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CREDENTIAL_HEADERS, extractCredential } from './credential.js';
import { generateKey } from './keys.js';

const K = generateKey();
const K2 = generateKey();

describe('extractCredential', () => {
  // [raw header pairs, the credential taken, label]
  const rows: Array<[headers: string[], want: string | undefined, label: string]> = [
    [['Authorization', `Bearer ${K}`], K, 'bearer'],
    [['AUTHORIZATION', `bearer ${K}`], K, 'names and scheme in any case'],
    [['authorization', `  Bearer ${K}  `], K, 'value padded'],
    [['authorization', `Bearer \t ${K}`], K, 'several blanks after the scheme'],
    [['x-api-key', `  ${K} `], K, 'x-api-key padded'],
    [['apikey', `\t${K}`], K, 'apikey padded'],
    [['x-api-key', 'sk-ant-api03-not-warden'], 'sk-ant-api03-not-warden', 'a single non-Warden value is still the credential'],
    [['authorization', 'Bearer sk-other'], 'sk-other', 'a single non-Warden bearer value'],
    [['authorization', `NotBearer ${K}`], undefined, 'a scheme that only ends in "bearer"'],
    [['authorization', `x Bearer ${K}`], undefined, 'bearer not at the start'],
    [['authorization', `Bearer${K}`], undefined, 'no blank after the scheme'],
    [['authorization', `Bearer ${K}\nX-Other: y`], undefined, 'a line break after the value'],
    [['authorization', `Basic ${K}`], undefined, 'another scheme'],
    [['authorization', 'Bearer    '], undefined, 'bearer without a value'],
    [['x-api-key', ''], undefined, 'empty x-api-key'],
    [['apikey', '   '], undefined, 'blank apikey'],
    [['x-api-key', '', 'apikey', 'sk-1'], 'sk-1', 'an empty value is not a second credential'],
    [['authorization', 'Bearer  ', 'x-api-key', 'sk-1'], 'sk-1', 'a blank bearer is not a second credential'],
    [['cookie', K], undefined, 'six-letter header that is not apikey'],
    [['x-api-kez', K], undefined, 'nine-letter header that is not x-api-key'],
    [['accept-ranges', `Bearer ${K}`], undefined, 'thirteen-letter header that is not authorization'],
    [['proxy-authorization', `Bearer ${K}`], undefined, 'proxy-authorization is not ours'],
    [['x-api-keys', K], undefined, 'near miss'],
    [['cookie', 'sk-other', 'x-api-key', K], K, 'a non-credential header never competes'],
    [[], undefined, 'no headers'],
  ];
  for (const [headers, want, label] of rows) {
    test(label, () => assert.equal(extractCredential(headers), want));
  }

  test('two different credentials with zero or two Warden keys are refused', () => {
    assert.throws(() => extractCredential(['x-api-key', 'sk-1', 'apikey', 'sk-2']), /several different credentials/);
    assert.throws(() => extractCredential(['authorization', `Bearer ${K}`, 'apikey', K2]), /several different credentials/);
  });
});

test('the credential headers are exactly the three that extractCredential reads', () => {
  assert.deepEqual([...CREDENTIAL_HEADERS].sort(), ['apikey', 'authorization', 'x-api-key']);
});
