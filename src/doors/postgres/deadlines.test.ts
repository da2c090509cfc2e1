import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { armDeadlines, sessionDeadlines } from './deadlines.js';

const consumer = { name: 'alice', groups: [], labels: {}, models: [] };

test('the earliest of grant and credential expiry ends the session, naming which', () => {
  const d = sessionDeadlines({ consumer, key: undefined, grant: { id: 'grt_1', role: 'reader', expires: 5000 }, credential: { expires: 3000, what: 'the OIDC access token of alice (issuer https://idp)', code: 'WARDEN_E_TOKEN_EXPIRED' } });
  assert.deepEqual(d.map((x) => x.at), [3000, 5000]);
  assert.match(d[0]!.message, /^Warden: the OIDC access token of alice \(issuer https:\/\/idp\) expired at 1970-01-01T00:00:03\.000Z \(WARDEN_E_TOKEN_EXPIRED\); this session ends/);
  assert.equal(d[0]!.code, 'WARDEN_E_TOKEN_EXPIRED');
  assert.match(d[1]!.message, /grant grt_1 \(role reader\) expired/);
  assert.deepEqual(sessionDeadlines({ consumer, key: undefined }), []);
});

test('a deadline beyond what one timer holds (24.8 days) does not fire early', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    const day = 86_400_000;
    const fired: number[] = [];
    const [d] = sessionDeadlines({ consumer, key: undefined, credential: { expires: 40 * day, what: 'API key key_1', code: 'WARDEN_E_AUTH_EXPIRED' } });
    armDeadlines([d!], () => fired.push(Date.now()));
    mock.timers.tick(30 * day);
    assert.deepEqual(fired, []);
    mock.timers.tick(10 * day);
    assert.deepEqual(fired, [40 * day]);
  } finally {
    mock.timers.reset();
  }
});

test('disarmed, nothing fires', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    let fired = false;
    const disarm = armDeadlines(sessionDeadlines({ consumer, key: undefined, grant: { id: 'grt_1', role: 'reader', expires: 10 } }), () => (fired = true));
    disarm();
    mock.timers.tick(100);
    assert.equal(fired, false);
  } finally {
    mock.timers.reset();
  }
});
