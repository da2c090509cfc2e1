import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cancellation } from './cancellation.js';

test('Cancellation behaves as the AbortSignal subset it stands for', () => {
  const c = new Cancellation();
  const seen: string[] = [];
  const a = () => seen.push('a');
  const b = () => seen.push('b');
  c.addEventListener('abort', a, { once: true });
  c.addEventListener('abort', a);
  c.addEventListener('abort', b);
  c.removeEventListener('abort', b);
  c.throwIfAborted();
  assert.equal(c.aborted, false);
  c.abort();
  c.abort(new Error('second'));
  assert.deepEqual(seen, ['a'], 'once per listener, a removed one never, a second abort changes nothing');
  assert.equal(c.aborted, true);
  assert.ok(c.reason instanceof DOMException && c.reason.name === 'AbortError', 'the default reason is the one AbortController gives');
  assert.throws(() => c.throwIfAborted(), (e: unknown) => e === c.reason);
  c.addEventListener('abort', b);
  assert.deepEqual(seen, ['a'], 'a listener added after the abort never runs');
  const r = new Error('why');
  const d = new Cancellation();
  d.abort(r);
  assert.equal(d.reason, r);
});
