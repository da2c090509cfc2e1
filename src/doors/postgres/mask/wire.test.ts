import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataRow, buildNotice, parseDataRow, parseNoticeFields, parseRowDescription, buildRowDescription } from './wire.js';
import { buildRecord, parseRecord } from './record.js';
import { escapeText, splitCsv, unescapeText } from './copy.js';
import { parseColumnRef } from './columns.js';

const body = (m: Buffer) => m.subarray(5);

test('DataRow: NULL is length -1, empty is length 0; rebuild gives the right length', () => {
  const m = buildDataRow([Buffer.from('ab'), null, Buffer.alloc(0)]);
  assert.equal(m[0], 0x44);
  assert.equal(m.readInt32BE(1), m.length - 1);
  assert.deepEqual(parseDataRow(body(m)), [Buffer.from('ab'), null, Buffer.alloc(0)]);
  assert.equal(body(m).readInt32BE(2 + 4 + 2), -1);
});

test('DataRow: bad lengths are refused with a typed error, never read past the body', () => {
  const good = body(buildDataRow([Buffer.from('abc')]));
  const cases: [string, Buffer][] = [
    ['negative length', Buffer.from([0, 1, 0xff, 0xff, 0xff, 0xfe])],
    ['length past the end', Buffer.concat([good.subarray(0, 6), Buffer.from('ab')])],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0])])],
    ['negative count', Buffer.from([0xff, 0xff])],
    ['truncated count', Buffer.from([0])],
    ['missing cell header', Buffer.from([0, 2, 0, 0, 0, 0])],
  ];
  for (const [what, b] of cases) assert.throws(() => parseDataRow(b), (e: Error & { code?: string }) => e.code === 'WARDEN_E_UPSTREAM_BROKEN', what);
});

test('RowDescription: parse and rebuild round-trip; a truncated field is refused', () => {
  const cols = [
    { name: 'number', tableOid: 16384, columnNumber: 3, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 },
    { name: 'é', tableOid: 0, columnNumber: 0, typeOid: 20, typeSize: 8, typeModifier: -1, format: 1 },
  ];
  const m = buildRowDescription(cols);
  assert.equal(m.readInt32BE(1), m.length - 1);
  assert.deepEqual(parseRowDescription(body(m)), cols);
  assert.throws(() => parseRowDescription(body(m).subarray(0, body(m).length - 1)));
  assert.throws(() => parseRowDescription(Buffer.from([0, 1, 0x61])), /malformed RowDescription/);
});

test('ErrorResponse fields: parse and rebuild; a missing terminator is refused', () => {
  const m = buildNotice('E', [['S', 'ERROR'], ['C', '42501'], ['M', 'no\0pe']]);
  assert.deepEqual(parseNoticeFields(body(m)), [['S', 'ERROR'], ['C', '42501'], ['M', 'nope']]);
  assert.throws(() => parseNoticeFields(body(m).subarray(0, body(m).length - 1)));
});

test('record literals: NULL vs empty string, quotes, backslashes, parentheses', () => {
  const fields = [null, '', 'a,b', 'say "hi"', 'back\\slash', '(x)', ' lead', 'plain'];
  const text = buildRecord(fields);
  assert.deepEqual(parseRecord(text), fields);
  assert.deepEqual(parseRecord('(1,"a""b",,\\,x)'), ['1', 'a"b', null, ',x']);
  assert.deepEqual(parseRecord('()'), []);
  for (const bad of ['(1,"open)', '1,2', '(a)b)', '(x\\']) assert.equal(parseRecord(bad), null, bad);
});

test('COPY text escapes decode and re-encode; csv rows split with quotes and escapes', () => {
  assert.equal(unescapeText('a\\tb\\\\c\\nd\\101\\x41'), 'a\tb\\c\ndAA');
  assert.equal(escapeText('a\tb\\c\nd|', '|'), 'a\\tb\\\\c\\nd\\|');
  assert.deepEqual(splitCsv('1,"a,""b""",,x', ',', '"', '"')!.map((f) => f.value), ['1', 'a,"b"', '', 'x']);
  assert.deepEqual(splitCsv("1;'a\\'b'", ';', "'", '\\')!.map((f) => f.value), ['1', "a'b"]);
  assert.equal(splitCsv('1,"open', ',', '"', '"'), null);
});

test('column names: schema.table.column with quoted parts', () => {
  assert.deepEqual(parseColumnRef('public.cards.number'), { schema: 'public', table: 'cards', column: 'number' });
  assert.deepEqual(parseColumnRef('public."a.b"."Col"""'), { schema: 'public', table: 'a.b', column: 'Col"' });
  for (const bad of ['cards.number', 'a.b.c.d', '', 'a..b']) assert.equal(parseColumnRef(bad), null, bad);
});

test('random DataRow and RowDescription bodies: parsed, or refused with the typed error, never anything else', async () => {
  const { prng } = await import('../../../core/prng.js');
  const rand = prng(7);
  const good = buildDataRow([Buffer.from('4111 1111 1111 1111'), null, Buffer.from('x')]).subarray(5);
  const desc = buildRowDescription([{ name: 'n', tableOid: 1, columnNumber: 1, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 }]).subarray(5);
  for (let i = 0; i < 5000; i++) {
    for (const [base, parse] of [[good, parseDataRow], [desc, parseRowDescription]] as const) {
      const b = Buffer.from(base);
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      try {
        parse(cut);
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'WARDEN_E_UPSTREAM_BROKEN', String(e));
      }
    }
  }
});
