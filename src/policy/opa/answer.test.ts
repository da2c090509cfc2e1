import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readOpaAnswer } from './answer.js';

const R = 'opa:global';
const read = (v: unknown, send?: string[]) => readOpaAnswer(typeof v === 'string' ? v : JSON.stringify(v), R, send);

test('result.allow true → allow; send_headers_upstream copies named headers and clears missing ones', () => {
  assert.deepEqual(read({ result: { allow: true } }), { outcome: 'allow', rule: R });
  assert.deepEqual(read({ result: { allow: true, headers: { 'X-User': 'alice', 'x-other': 'no' } } }, ['x-user', 'X-Team']), {
    outcome: 'allow', rule: R, upstreamHeaders: { 'x-user': 'alice', 'X-Team': null },
  });
});

test('result.allow false → deny with status_code, headers and reason (string or object)', () => {
  assert.deepEqual(read({ result: { allow: false } }), { outcome: 'deny', rule: R, status: 403 });
  assert.deepEqual(read({ result: { allow: false, status_code: 429, headers: { 'Retry-After': 5 }, reason: 'slow down' } }), {
    outcome: 'deny', rule: R, status: 429, headers: { 'Retry-After': '5' }, reason: 'slow down',
  });
  assert.deepEqual(read({ result: { allow: false, reason: { reason: 'access to production database is not allowed for staging agent' } } }), {
    outcome: 'deny', rule: R, status: 403, reason: '{"reason":"access to production database is not allowed for staging agent"}',
  });
  assert.equal(read({ result: {} }).outcome, 'deny', 'no allow field → deny');
});

test('bare boolean result', () => {
  assert.deepEqual(read({ result: true }), { outcome: 'allow', rule: R });
  assert.deepEqual(read({ result: false }), { outcome: 'deny', rule: R, status: 403 });
});

test('missing result, not JSON, or garbage → 503 WARDEN_E_POLICY_BAD_ANSWER', () => {
  for (const bad of ['{}', '{"result":null}', 'not json', '', '[1]', '"x"', '{"result":"yes"}', '{"result":[true]}',
    '{"decision_id":"x"}', JSON.stringify({ result: { allow: false, status_code: 'teapot' } }), JSON.stringify({ result: { allow: false, status_code: 99 } }),
    JSON.stringify({ result: { allow: false, headers: ['x'] } }), JSON.stringify({ result: { allow: false, headers: { 'x-a': 'a\r\nSet-Cookie: x' } } }),
    JSON.stringify({ result: { allow: true, headers: { 'bad name': 'v' } } })]) {
    const d = read(bad);
    assert.equal(d.outcome, 'deny', bad);
    assert.equal(d.code, 'WARDEN_E_POLICY_BAD_ANSWER', bad);
    assert.equal(d.status, 503, bad);
  }
});
