import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardsSchema } from '../../guards/config.js';
import { buildDetectorSources } from '../../guards/detector-set.js';
import { CHUNK_CHARS } from '../../guards/scan-slices.js';
import { guardValue } from './value-guard.js';

const AWS = ['AKIA', 'QYLPMN5HFIQR7XZB'].join('');
const cfg = (secrets: unknown) => guardsSchema.parse({ secrets, pii: { enabled: false } });

/** A tool result: small strings (the synchronous pass) and, with `big`, one text longer than a window (the asynchronous pass). */
const result = (big: boolean) => ({
  content: [
    { type: 'text', text: `key ${AWS} here` },
    ...(big ? [{ type: 'text', text: `${'lorem ipsum '.repeat(Math.ceil((CHUNK_CHARS * 2) / 12))} tail ${AWS}` }] : []),
  ],
  _meta: { [`k-${AWS}`]: 'in a key' },
});

test('small and windowed values: the same redactions, findings and counts, keys included; the input is never changed', async () => {
  const c = cfg({ action: 'redact' });
  const sources = buildDetectorSources(c);
  for (const big of [false, true]) {
    const v = result(big);
    const before = JSON.stringify(v);
    const g = await guardValue(v, sources, c, 'dev', 'result');
    assert.equal(JSON.stringify(v), before, 'the value given is left as it was');
    assert.equal(g.changed, true);
    assert.equal(g.scanned, true);
    assert.deepEqual(g.findings, ['secrets:aws-access-token']);
    assert.equal(g.counts.get('secrets'), big ? 3 : 2);
    const out = JSON.stringify(g.value);
    assert.ok(!out.includes(AWS), `no secret left (big: ${big})`);
    assert.equal(out.split('[REDACTED:aws-access-token]').length - 1, big ? 3 : 2);
  }
});

test('reject refuses from either pass; log records without changing; an exempt consumer is not scanned', async () => {
  for (const big of [false, true]) {
    const c = cfg({ action: 'reject' });
    await assert.rejects(() => guardValue(result(big), buildDetectorSources(c), c, 'dev', 'result'), (e: Error & { code?: string }) => e.code === 'WARDEN_E_GUARD_REJECTED');
  }
  const logged = cfg({ action: 'log' });
  const v = result(true);
  const g = await guardValue(v, buildDetectorSources(logged), logged, 'dev', 'arguments');
  assert.equal(g.changed, false);
  assert.equal(g.value, v);
  assert.deepEqual(g.findings, ['secrets:aws-access-token']);
  const exempt = guardsSchema.parse({ secrets: { action: 'reject' }, pii: { enabled: false }, consumers: { ops: { exempt: true } } });
  const e = await guardValue(result(false), buildDetectorSources(exempt), exempt, 'ops', 'result');
  assert.equal(e.scanned, false);
  assert.deepEqual(e.findings, []);
});

test('nesting past the bound is refused in the synchronous pass as before', async () => {
  const c = cfg({ action: 'redact' });
  let deep: unknown = 'x';
  for (let i = 0; i < 70; i++) deep = { d: deep };
  await assert.rejects(() => guardValue(deep, buildDetectorSources(c), c, 'dev', 'arguments'), (e: Error & { code?: string }) => e.code === 'WARDEN_E_MCP_ARGUMENT_REFUSED');
});
