import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameError, Framer } from './framer.js';
import { OutBuffer } from './out.js';

const msg = (type: string, body: string) => {
  const b = Buffer.from(body);
  const out = Buffer.alloc(5 + b.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + b.length, 1);
  b.copy(out, 5);
  return out;
};

function drain(f: Framer): { type: string; body: string }[] {
  const out: { type: string; body: string }[] = [];
  for (let x = f.next(); x; x = f.next()) out.push({ type: String.fromCharCode(x.type), body: x.body.toString() });
  return out;
}

test('messages split at every byte boundary come out whole and in order', () => {
  const stream = Buffer.concat([msg('Q', 'SELECT 1\0'), msg('S', ''), msg('P', '\0SELECT $1\0\0\0'), msg('X', '')]);
  const first = new Framer(1 << 20);
  first.push(stream);
  const whole = drain(first);
  assert.equal(whole.length, 4);
  for (let i = 1; i < stream.length; i++) {
    for (let j = i; j < stream.length; j++) {
      const f = new Framer(1 << 20);
      const got: { type: string; body: string }[] = [];
      for (const part of [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]) {
        f.push(part);
        got.push(...drain(f));
      }
      assert.deepEqual(got, whole, `split at ${i}/${j}`);
    }
  }
  // One byte at a time.
  const f = new Framer(1 << 20);
  const got: { type: string; body: string }[] = [];
  for (const b of stream) {
    f.push(Buffer.from([b]));
    got.push(...drain(f));
  }
  assert.deepEqual(got, whole);
});

test('lengths below 4, negative, or above the limit are refused before the body is awaited', () => {
  for (const len of [0, 3, -1, -2147483648]) {
    const f = new Framer(1024);
    const b = Buffer.alloc(5);
    b.write('Q', 0, 'latin1');
    b.writeInt32BE(len, 1);
    f.push(b);
    assert.throws(() => f.next(), (e: unknown) => e instanceof FrameError && /below the minimum of 4/.test(e.message), String(len));
  }
  const f = new Framer(1024);
  const b = Buffer.alloc(5);
  b.write('Q', 0, 'latin1');
  b.writeInt32BE(1025 + 4, 1);
  f.push(b);
  assert.throws(() => f.next(), /exceeds the limit of 1024 bytes/);
});

test('untyped startup framing: the length covers itself and nothing else', () => {
  const f = new Framer(100, true);
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(80877103, 4);
  f.push(b.subarray(0, 3));
  assert.equal(f.next(), undefined);
  f.push(b.subarray(3));
  const x = f.next()!;
  assert.equal(x.body.readInt32BE(0), 80877103);
  assert.equal(f.pending, 0);
});

test('OutBuffer: forwarded frames keep their order and bytes around built messages and dropped ones', () => {
  const stream = Buffer.concat([msg('P', '\0SELECT 1\0\0\0'), msg('B', '\0\0\0\0\0\0\0\0'), msg('E', '\0\0\0\0\0'), msg('S', '')]);
  const f = new Framer(1 << 20);
  f.push(stream);
  const [p, b, e, s] = [f.next()!, f.next()!, f.next()!, f.next()!];
  const out = new OutBuffer();
  for (const x of [p, b, e, s]) out.frame(x);
  assert.deepEqual(out.take(), stream, 'adjacent frames are the received bytes');
  assert.equal(out.take(), undefined);
  const marker = msg('Q', 'marker\0');
  out.frame(p);
  out.push(marker);
  out.frame(b);
  // e dropped
  out.frame(s);
  assert.deepEqual(out.take(), Buffer.concat([p.raw, marker, b.raw, s.raw]));
});
