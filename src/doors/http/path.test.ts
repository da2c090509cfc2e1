import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PATH, normalisePath } from './path.js';

// [raw path, normalised path or null when it must be refused]
const cases: Array<[string, string | null]> = [
  ['/api/users', '/api/users'],
  ['/api/users/', '/api/users/'],
  ['/', '/'],
  ['/api//users', '/api/users'],
  ['/api///users//', '/api/users/'],
  ['/api/./users', '/api/users'],
  ['/api/users/.', '/api/users/'],
  ['/api/x/../users', '/api/users'],
  ['/api/users/..', '/api/'],
  ['/api/%7Euser', '/api/~user'],
  ['/api/%41%42c', '/api/ABc'],
  ['/api/a%2Db_c.d', '/api/a-b_c.d'],
  ['/api/%2e%2e/admin', '/admin'],
  ['/api/%2E%2E/%2E%2E/admin', null],
  ['/api/a%20b', '/api/a%20b'],
  ['/api/a%3Fb', '/api/a%3Fb'],
  ['/api/..%2Fadmin', null],
  ['/api/..%2fadmin', null],
  ['/api/..%5Cadmin', null],
  ['/api/..%5cadmin', null],
  ['/api/..%5C..%5Cadmin', null],
  ['/api/%5C', null],
  ['/api/%252F', null],
  ['/api/%2541', null],
  ['/api/..\\admin', null],
  ['/api\\admin', null],
  ['/api/%00', null],
  ['/api/x%00.json', null],
  ['/api/%zz', null],
  ['/api/%4', null],
  ['/api/%', null],
  ['/..', null],
  ['/../etc/passwd', null],
  ['/api/../../etc/passwd', null],
  ['/./../x', null],
  ['/api/..;/admin', null],
  ['/api/.;/admin', null],
  ['/api/..;jsessionid=1/admin', null],
  ['/api/a;b', '/api/a;b'],
  ['/api/a..;b', '/api/a..;b'], // dots inside a name are no dot segment
  ['api/users', null],
  ['*', null],
  ['http://evil.example/api', null],
  ['//evil.example/api', '/evil.example/api'],
  ['/' + 'a'.repeat(MAX_PATH - 1), '/' + 'a'.repeat(MAX_PATH - 1)],
  ['/' + 'a'.repeat(MAX_PATH), null],
];

test('path normalisation: every trick is resolved the one way or refused', () => {
  for (const [raw, want] of cases) {
    if (want === null) {
      assert.throws(() => normalisePath(raw), (e: { code?: string; rule?: string }) => e.code === 'WARDEN_E_BAD_REQUEST' && e.rule === 'http.path', `${raw} must be refused`);
    } else {
      assert.equal(normalisePath(raw), want, raw);
    }
  }
});

test('path normalisation is idempotent: the forwarded path normalises to itself', () => {
  for (const [raw, want] of cases) if (want !== null) assert.equal(normalisePath(want), want, raw);
});
