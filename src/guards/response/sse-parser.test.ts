import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SseFrame, SseParser } from './sse-parser.js';

function parse(chunks: Buffer[], max = 1 << 20): { frames: SseFrame[]; oversized: number[] } {
  const frames: SseFrame[] = [];
  const oversized: number[] = [];
  const p = new SseParser((f) => frames.push(f), (n) => oversized.push(n), max);
  for (const c of chunks) p.push(c);
  p.end();
  return { frames, oversized };
}

function splitEvery(buf: Buffer, cut: number): Buffer[] {
  return [buf.subarray(0, cut), buf.subarray(cut)];
}

const stream = 'event: a\ndata: {"x":"é😀"}\n\n: comment\nevent: b\ndata: one\ndata:two\n\nevent: c\r\ndata: three\r\n\r\nevent: d\rdata: four\r\rdata: five\n\n';

describe('SseParser', () => {
  test('splits on blank lines whatever the line ends, and keeps each event’s bytes', () => {
    const { frames } = parse([Buffer.from(stream)]);
    assert.deepEqual(frames.map((f) => [f.event, f.data]), [['a', '{"x":"é😀"}'], ['b', 'one\ntwo'], ['c', 'three'], ['d', 'four'], ['', 'five']]);
    assert.equal(Buffer.concat(frames.map((f) => f.raw)).toString(), stream);
    assert.equal(frames[2]!.raw.toString(), 'event: c\r\ndata: three\r\n\r\n');
    assert.equal(frames[3]!.raw.toString(), 'event: d\rdata: four\r\r');
  });

  test('every split point, even inside a character or a CRLF, gives the same events', () => {
    const whole = parse([Buffer.from(stream)]).frames;
    const bytes = Buffer.from(stream);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const frames = parse(splitEvery(bytes, cut)).frames;
      assert.deepEqual(frames.map((f) => [f.event, f.data, f.raw.toString('hex')]), whole.map((f) => [f.event, f.data, f.raw.toString('hex')]), `cut at ${cut}`);
    }
    const oneByOne = parse([...bytes].map((b) => Buffer.from([b]))).frames;
    assert.equal(Buffer.concat(oneByOne.map((f) => f.raw)).toString(), stream);
  });

  test('an event without data (comment, stray blank line) is still delivered for passthrough', () => {
    const { frames } = parse([Buffer.from('\n: keep-alive\n\nevent: x\ndata: 1\n\n')]);
    assert.deepEqual(frames.map((f) => [f.raw.toString(), f.hasData]), [['\n', false], [': keep-alive\n\n', false], ['event: x\ndata: 1\n\n', true]]);
  });

  test('a leading byte-order mark is not part of the first field name', () => {
    const { frames } = parse([Buffer.from('\ufeffevent: x\ndata: 1\n\n')]);
    assert.equal(frames[0]!.event, 'x');
    assert.equal(frames[0]!.raw.toString(), '\ufeffevent: x\ndata: 1\n\n');
  });

  test('a last event without its blank line is delivered at end', () => {
    const { frames } = parse([Buffer.from('event: x\ndata: 1\n\nevent: y\ndata: 2')]);
    assert.deepEqual(frames.map((f) => [f.event, f.data, f.raw.toString()]), [['x', '1', 'event: x\ndata: 1\n\n'], ['y', '2', 'event: y\ndata: 2']]);
  });

  test('a CR that ends the stream closes its event at end', () => {
    const { frames } = parse([Buffer.from('data: 1\r\r')]);
    assert.deepEqual(frames.map((f) => f.raw.toString()), ['data: 1\r\r']);
  });

  test('an event over the size limit is dropped whole and reported, the next one comes through', () => {
    const big = `data: ${'x'.repeat(300)}\n\n`;
    const { frames, oversized } = parse([Buffer.from(big.slice(0, 100)), Buffer.from(big.slice(100) + 'data: ok\n\n')], 200);
    assert.deepEqual(oversized, [big.length]);
    assert.deepEqual(frames.map((f) => f.data), ['ok']);
    const single = parse([Buffer.from(big + 'data: ok\n\n')], 200);
    assert.deepEqual(single.oversized, [big.length]);
    assert.deepEqual(single.frames.map((f) => f.data), ['ok']);
  });
});
