import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretDetector } from './index.js';

const detector = createSecretDetector();
const b64 = (s: string): string => Buffer.from(s).toString('base64');

// [rule, text, the secret it must report (or null: nothing from this rule)]
const cases: Array<[string, string, string | null]> = [
  ['http-bearer-token', '> Authorization: Bearer 9f8K2mQx7LpZ3vN1wR5tY8uB.c4Hj6', '9f8K2mQx7LpZ3vN1wR5tY8uB.c4Hj6'],
  ['http-bearer-token', '{"headers":{"authorization":"Bearer 9f8K2mQx7LpZ3vN1wR5tY8uB"}}', '9f8K2mQx7LpZ3vN1wR5tY8uB'],
  ['http-bearer-token', "requests.exceptions.HTTPError: 401 for url, headers={'Authorization': 'Bearer Zx81LmQ0pR7sT2vW9yB4nC6d'}", 'Zx81LmQ0pR7sT2vW9yB4nC6d'],
  ['http-bearer-token', 'curl -H "Authorization: Bearer $API_TOKEN" https://x', null],
  ['http-bearer-token', 'Authorization: Bearer <your-token-here>', null],
  ['http-bearer-token', 'Authorization: Bearer abcdefghijklmnopqrstuvwx', null],
  ['pgpass-password', 'db.internal:5432:orders:app_rw:Xk29vLq0PzR7', 'Xk29vLq0PzR7'],
  ['pgpass-password', 'localhost:*:*:postgres:s3cr\\:et99', 's3cr\\:et99'],
  ['pgpass-password', 'see the .pgpass docs: host:port:db:user:password', null],
  ['netrc-password', 'machine api.heroku.com\n  login me@example.com\n  password 7f3c1e0a-9b2d-4c5e-8f6a-1b2c3d4e5f60', '7f3c1e0a-9b2d-4c5e-8f6a-1b2c3d4e5f60'],
  ['netrc-password', 'machine github.com login bot password ${GH_PASSWORD}', null],
  ['npmrc-auth-token', '//npm.pkg.github.com/:_authToken=Qw3rTy8uIoP1aS2dF4gH6jK8lZ0x', 'Qw3rTy8uIoP1aS2dF4gH6jK8lZ0x'],
  ['npmrc-auth-token', '//registry.npmjs.org/:_authToken=${NPM_TOKEN}', null],
  ['pypirc-password', '[distutils]\nindex-servers = internal\n[internal]\nusername = deploy\npassword = Hn48vXq2LmZ7', 'Hn48vXq2LmZ7'],
  ['docker-config-auth', `{"auths":{"ghcr.io":{"auth":"${b64('deploy:Tz9vQ2mL8xR4')}"}}}`, b64('deploy:Tz9vQ2mL8xR4')],
  ['docker-config-auth', `{"auth":"${b64('no colon here at all')}"}`, null],
  ['aws-secret-access-key', 'aws_secret_access_key = Xk29vLq0PzR7mN3bV5cX8zA1sD4fG6hJ9kL2qW0e', 'Xk29vLq0PzR7mN3bV5cX8zA1sD4fG6hJ9kL2qW0e'],
  ['aws-secret-access-key', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', null],
  ['private-key-base64', `    client-key-data: ${b64('-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAz' + 'Q'.repeat(80) + '\n-----END RSA PRIVATE KEY-----\n')}`, b64('-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAz' + 'Q'.repeat(80) + '\n-----END RSA PRIVATE KEY-----\n')],
  ['kubernetes-secret-json', `{"apiVersion":"v1","data":{"password":"${b64('Pq7xL2vM9nR4')}"},"kind":"Secret","metadata":{"name":"test"}}`, b64('Pq7xL2vM9nR4')],
  ['kubernetes-secret-json', `{"apiVersion":"v1","data":{"password":"${b64('Pq7xL2vM9nR4')}"},"kind":"ConfigMap"}`, null],
];

test('credential-file rules: each finds its secret in its own syntax and nothing in look-alikes', () => {
  for (const [rule, text, secret] of cases) {
    const found = detector.detect(text).filter((f) => f.rule === rule).map((f) => text.slice(f.start, f.end));
    assert.deepEqual(found, secret === null ? [] : [secret], `${rule}: ${JSON.stringify(text.slice(0, 80))}`);
  }
});
