import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mod97Valid } from './iban.js';
import { matched, spans } from './testing.js';

const iban = (text: string, min?: number) => matched(text, ['iban'], min);

const VALID = [
  'DE89 3704 0044 0532 0130 00', // Germany
  'GB29 NWBK 6016 1331 9268 19', // United Kingdom, letters in the BBAN
  'FR14 2004 1010 0505 0001 3M02 606', // France, a letter mid-account
  'NL91ABNA0417164300', // Netherlands, compact
  'BE68539007547034', // Belgium, shortest common length
  'ES91 2100 0418 4502 0005 1332', // Spain
  'CH93 0076 2011 6238 5295 7', // Switzerland, odd length
  'NO9386011117947', // Norway, 15 characters
  'MT84 MALT 0110 0001 2345 MTLC AST0 01S', // Malta, 31 characters ending in a letter
];

function chars(s: string): Uint16Array {
  const compact = s.replace(/ /g, '');
  return Uint16Array.from(compact, (c) => c.charCodeAt(0));
}

describe('IBAN', () => {
  test('valid IBANs of several countries, spaced and compact', () => {
    for (const value of VALID) {
      assert.deepEqual(iban(`Please pay to ${value} by Friday.`), [value], value);
      const compact = value.replace(/ /g, '');
      assert.deepEqual(iban(`IBAN:${compact}`), [compact], compact);
    }
  });

  test('offsets cover exactly the IBAN', () => {
    const text = '{"iban":"DE89 3704 0044 0532 0130 00","bic":"COBADEFFXXX"}';
    const [s] = spans(text, ['iban']);
    assert.equal(s?.text, 'DE89 3704 0044 0532 0130 00');
    assert.equal(text.indexOf(s!.text), 9);
  });

  test('mod-97 failures, wrong lengths and unknown countries are rejected', () => {
    for (const text of [
      'DE89 3704 0044 0532 0130 01', // last digit changed
      'DE88 3704 0044 0532 0130 00', // check digits changed
      'GB29 NWBK 6016 1331 9268 18',
      'DE89 3704 0044 0532 0130 0', // one short
      'XX89 3704 0044 0532 0130 00', // no such country
      'DE8937040044053201300012', // too long
      'xDE89370400440532013000', // glued to a word
      'DE89 3704 0044 0532 013000', // broken grouping
    ]) {
      assert.deepEqual(iban(text, 0), [], text);
    }
    // A separate number after a compact IBAN does not spoil it.
    assert.deepEqual(iban('DE89370400440532013000 0'), ['DE89370400440532013000']);
  });

  test('ES2015, UTF8 and other code tokens are not IBANs', () => {
    for (const text of ['target: ES2015', 'ES2020 ES2022', 'AB12 is a code', 'SHA256 digest', 'GB2312 charset', 'ISO8859 1234 5678']) {
      assert.deepEqual(iban(text, 0), [], text);
    }
  });

  test('mod97Valid follows ISO 7064 on its own', () => {
    assert.equal(mod97Valid(chars('GB82 WEST 1234 5698 7654 32'), 22), true);
    assert.equal(mod97Valid(chars('GB82 WEST 1234 5698 7654 33'), 22), false);
    assert.equal(mod97Valid(chars('GB00 WEST 1234 5698 7654 32'), 22), false);
  });
});
