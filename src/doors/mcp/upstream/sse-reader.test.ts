import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readSse } from './sse-reader.js';

function feed(chunks: string[], maxBytes = 1000): Promise<{ data: string[]; tooLarge: boolean; ended: boolean }> {
  const s = new PassThrough();
  const out = { data: [] as string[], tooLarge: false, ended: false };
  return new Promise((resolve) => {
    readSse(s, maxBytes, {
      onData: (d) => out.data.push(d),
      onTooLarge: () => ((out.tooLarge = true), resolve(out)),
      onEnd: () => ((out.ended = true), resolve(out)),
    });
    for (const c of chunks) s.write(Buffer.from(c));
    s.end();
  });
}

test('events split anywhere, CRLF or LF or CR line ends, comments and ids skipped, multi-line data joined', async () => {
  const r = await feed([': comment\r\nid: 1\r\nda', 'ta: {"a":', '1}\r', '\n\r\ndata: x\ndata: y\n\nretry: 5\rdata: z\r\r', 'data:no-space\n\n']);
  assert.deepEqual(r.data, ['{"a":1}', 'x\ny', 'z', 'no-space']);
  assert.equal(r.ended, true);
});

test('a multi-byte character split across chunks survives', async () => {
  const bytes = Buffer.from('data: é€\n\n');
  const s = new PassThrough();
  const data: string[] = [];
  await new Promise<void>((resolve) => {
    readSse(s, 100, { onData: (d) => data.push(d), onTooLarge: () => resolve(), onEnd: () => resolve() });
    for (let i = 0; i < bytes.length; i++) s.write(bytes.subarray(i, i + 1));
    s.end();
  });
  assert.deepEqual(data, ['é€']);
});

test('one event past the bound stops the reading; many small ones do not', async () => {
  assert.equal((await feed(Array.from({ length: 50 }, () => `data: ${'a'.repeat(100)}\n\n`), 300)).data.length, 50);
  const big = await feed([`data: ${'b'.repeat(200)}\n`, `data: ${'b'.repeat(200)}\n\n`], 300);
  assert.equal(big.tooLarge, true);
  assert.deepEqual(big.data, []);
  assert.equal((await feed(['data: ' + 'c'.repeat(500)], 300)).tooLarge, true, 'a line without an end counts too');
});
