import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStore } from './sessions.js';

const IDLE = 1_000;

function store() {
  let t = 0;
  const s = new SessionStore({ idleMs: () => IDLE, max: () => 10, now: () => t });
  const session = s.create({ principal: 'k1', consumer: { name: 'dev', groups: [], labels: {}, models: [] }, scope: { only: undefined }, protocolVersion: '2025-11-25', clientCapabilities: {} });
  return { s, session, advance: (ms: number) => (t += ms) };
}

test('a session no request used for longer than the idle time is unknown', () => {
  const { s, session, advance } = store();
  advance(IDLE - 1);
  assert.equal(s.get(session.id, 'k1'), session);
  advance(IDLE + 1);
  assert.equal(s.get(session.id, 'k1'), undefined);
  assert.equal(session.ended, true);
  s.close();
});

test('idleness counts from the end of the last answer: a request slower than the idle time leaves the session alive', () => {
  const { s, session, advance } = store();
  s.begin(session);
  advance(IDLE * 5);
  assert.equal(s.get(session.id, 'k1'), session, 'a session with a request in flight is not idle');
  s.done(session);
  advance(IDLE - 1);
  assert.equal(s.get(session.id, 'k1'), session, 'the idle clock restarted when the answer was sent');
  advance(IDLE + 1);
  assert.equal(s.get(session.id, 'k1'), undefined);
  s.close();
});

test('two requests in flight: the session stays busy until both are answered', () => {
  const { s, session, advance } = store();
  s.begin(session);
  s.begin(session);
  s.done(session);
  advance(IDLE * 2);
  assert.equal(s.get(session.id, 'k1'), session);
  s.done(session);
  advance(IDLE + 1);
  assert.equal(s.get(session.id, 'k1'), undefined);
  s.close();
});

test('a busy session is still bound to its principal', () => {
  const { s, session } = store();
  s.begin(session);
  assert.equal(s.get(session.id, 'k2'), undefined);
  s.close();
});

test('over the cap, the least recently used session of the principal holding the most goes, however its uses were interleaved', () => {
  const s = new SessionStore({ idleMs: () => IDLE, max: () => 3, now: () => 0 });
  const open = () => s.create({ principal: 'k1', consumer: { name: 'dev', groups: [], labels: {}, models: [] }, scope: { only: undefined }, protocolVersion: '2025-11-25', clientCapabilities: {} });
  const [a, b, c] = [open(), open(), open()];
  // Used in turn, the last one several times running (touched again while already the newest).
  s.begin(a), s.done(a), s.touch(c), s.begin(c), s.done(c), s.touch(b), s.touch(b), s.touch(c);
  const d = open();
  assert.equal(a.ended, true, 'a: used longest ago');
  s.touch(d), s.touch(d);
  const e = open();
  assert.equal(b.ended, true, 'then b');
  assert.equal(c.ended || d.ended, false);
  s.end(e); // the newest ends
  s.touch(c);
  open();
  open();
  assert.equal(d.ended, true, 'd: c was used after it');
  assert.equal(c.ended, false);
  s.close();
});
