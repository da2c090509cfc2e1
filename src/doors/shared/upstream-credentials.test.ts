import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey } from '../../identity/keys.js';
import { isWardenError, type WardenError } from '../../core/errors.js';
import { assertCredentialNotInTarget, assertNoWardenKey, holdsWardenKey, stripKeyParams, stripKeyParamsFromTarget } from './upstream-credentials.js';

const K = generateKey();
const pct = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

test('holdsWardenKey: the key in any reading a hop could make of it', () => {
  const yes = [K, `x${K}y`, `%77${K.slice(1)}`, pct(K), `%2577${K.slice(1)}`, `%252577${K.slice(1)}`, K.toUpperCase(), `Bearer ${K}`];
  for (const s of yes) assert.equal(holdsWardenKey(s), true, s);
  const no = ['', 'wdn_', `wdn_${'a'.repeat(41)}`, 'plain text', '%zz%', `${K.slice(0, 20)}&${K.slice(20)}`, 'sk-ant-api03-abc'];
  for (const s of no) assert.equal(holdsWardenKey(s), false, s);
});

test('stripKeyParams: credential-named parameters carrying a key are dropped, the rest kept byte for byte', () => {
  const rows: [string, string][] = [
    ['', ''],
    ['?', '?'],
    ['?a=1&b=%2F', '?a=1&b=%2F'],
    [`?apikey=${K}`, ''],
    [`?a=1&apikey=${K}&b=2`, '?a=1&b=2'],
    [`?API_KEY=${K}&Access-Token=${K}&x.api.key=${K}`, ''],
    [`?%61pikey=${pct(K)}`, ''],
    [`?api%5Fkey=%2577${K.slice(1)}`, ''],
    [`?token=abc&key=${K}`, '?token=abc'],
    // Not a credential name: kept here, refused by assertNoWardenKey.
    [`?q=${K}`, `?q=${K}`],
    [`?apikey`, '?apikey'],
  ];
  for (const [input, out] of rows) assert.equal(stripKeyParams(input), out, input);
  assert.equal(stripKeyParamsFromTarget(`/v1/messages?beta=true&key=${K}`), '/v1/messages?beta=true');
  const same = '/v1/messages?beta=true';
  assert.equal(stripKeyParamsFromTarget(same), same);
});

test('assertNoWardenKey: refuses a key in the target or any header, never naming it', () => {
  const refused: [string, string[]][] = [
    [`/api/${K}`, []],
    [`/api?q=${pct(K)}`, []],
    ['/api', ['cookie', `s=${K}`]],
    ['/api', ['x-a', '1', 'referer', `https://x/?apikey=%77${K.slice(1)}`]],
    ['/api', [K, 'value']],
  ];
  for (const [target, headers] of refused) {
    assert.throws(
      () => assertNoWardenKey(target, headers),
      (e: unknown) => isWardenError(e) && e.code === 'WARDEN_E_KEY_IN_FORWARD' && e.status === 400 && !e.message.includes(K.slice(4, 20)),
      target + headers.join(':'),
    );
  }
  assertNoWardenKey('/api?x=1', ['x-api-key', 'not-a-key', 'cookie', 'a=b']);
  // Headers the operator passes on as they are (hide_credentials: false).
  assertNoWardenKey('/api', ['x-api-key', K], new Set(['x-api-key']));
});

test('the credential that authenticated a request never leaves in the URL, in any encoding; other values pass', () => {
  const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz';
  for (const target of [`/x?apikey=${token}`, `/x?a=1&token=${encodeURIComponent(token)}`, `/x/${encodeURIComponent(encodeURIComponent(token))}`, `/x?q=${token.replace(/\./g, '%2E')}`]) {
    assert.throws(() => assertCredentialNotInTarget(target, token), (e: WardenError) => e.code === 'WARDEN_E_KEY_IN_FORWARD' && !e.message.includes(token), target);
  }
  assertCredentialNotInTarget('/x?apikey=someone-elses-token-value', token);
  assertCredentialNotInTarget(`/x?apikey=${token}`, undefined);
});
