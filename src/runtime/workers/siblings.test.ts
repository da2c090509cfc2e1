/**
 * The siblings relay: the real worker side and the real primary side, joined by in-process
 * pipes that copy each message as the cluster's IPC does (JSON) and deliver it later. A
 * question reaches every other worker once, never its asker, is never asked on, and the
 * asker learns whether any said yes. (The real cluster: test/postgres/workers.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { RelayState, serveSiblings, workerSiblings, type PrimaryChannel, type SiblingWorker } from './siblings.js';

function cluster(n: number) {
  const relay = new RelayState();
  const primarySides: SiblingWorker[] = [];
  const workers = Array.from({ length: n }, () => {
    const toWorker = new EventEmitter();
    const toPrimary = new EventEmitter();
    const copy = (m: unknown) => JSON.parse(JSON.stringify(m)) as unknown;
    const channel: PrimaryChannel = {
      send: (m) => setImmediate(() => toPrimary.emit('message', copy(m))),
      on: (ev, f) => toWorker.on(ev, f),
      off: (ev, f) => toWorker.off(ev, f),
    };
    const primarySide = {
      on: (ev: string, f: (m: unknown) => void) => toPrimary.on(ev, f),
      send: (m: unknown, _h: unknown, cb: () => void) => {
        setImmediate(() => toWorker.emit('message', copy(m)));
        cb();
        return true;
      },
      isConnected: () => true,
    } as unknown as SiblingWorker;
    primarySides.push(primarySide);
    return workerSiblings(channel);
  });
  for (const w of primarySides) serveSiblings(w, () => primarySides, relay);
  return workers;
}

test('the worker holding the state answers yes; every other worker is asked once, the asker never', async () => {
  const [a, b, c] = cluster(3);
  const seen = { a: 0, b: 0, c: 0 };
  a!.answer('t', (d) => (seen.a++, (d as { k: string }).k === 'held-by-a'));
  b!.answer('t', (d) => (seen.b++, (d as { k: string }).k === 'held-by-b'));
  c!.answer('t', (d) => (seen.c++, (d as { k: string }).k === 'held-by-c'));
  assert.equal(await a!.ask('t', { k: 'held-by-b' }), true);
  // The answers that came after the first yes are still taken (and dropped) before counting.
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, { a: 0, b: 1, c: 1 });
  assert.equal(await c!.ask('t', { k: 'held-by-c' }), false, 'the asker is not asked (it looked itself first)');
  assert.deepEqual(seen, { a: 1, b: 2, c: 1 });
});

test('nobody holds it: false once every other worker said no; a topic nobody answers is a no', async () => {
  const [a, b] = cluster(2);
  let asked = 0;
  b!.answer('t', () => (asked++, false));
  assert.equal(await a!.ask('t', { k: 'x' }), false);
  assert.equal(asked, 1, 'answered once, not relayed on');
  assert.equal(await a!.ask('other', {}), false);
  const [alone] = cluster(1);
  assert.equal(await alone!.ask('t', {}), false, 'a lone worker has no one to ask');
});

test('a handler that throws answers no; an unsubscribed one is not called', async () => {
  const [a, b, c] = cluster(3);
  b!.answer('t', () => {
    throw new Error('broken');
  });
  let called = 0;
  const off = c!.answer('t', () => (called++, true));
  off();
  assert.equal(await a!.ask('t', {}), false);
  assert.equal(called, 0);
});
