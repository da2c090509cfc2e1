import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardsSchema } from './config.js';
import { CACHE_MAX_BYTES, RequestGuard } from './request-guard.js';
import { hostileText } from './detectors/secrets/test-support.js';

const AWS = ['AKIA', 'QYLPMN5HFIQR7XZB'].join('');
const guard = (cfg: unknown) => new RequestGuard(guardsSchema.parse(cfg));
const body = () => ({
  model: 'claude-x',
  system: [{ type: 'text', text: `system sees ${AWS}` }],
  messages: [
    { role: 'user', content: 'hello' },
    { role: 'assistant', content: [{ type: 'thinking', thinking: `thinking about ${AWS}`, signature: 'sig' }, { type: 'tool_use', id: 't1', name: 'Read', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: `KEY=${AWS}\nREGION=eu` }] }] },
  ],
});

test('redacts secrets in system and tool_result texts, never in thinking blocks; the same answer on a repeated turn', async () => {
  const g = guard({ secrets: { action: 'redact' } });
  for (let turn = 0; turn < 2; turn++) {
    const b = body();
    const out = await g.inspect(b, 'dev');
    assert.equal(out.changed, true);
    assert.equal(out.action, 'redact');
    assert.ok(out.findings.includes('secrets:aws-access-token'));
    const json = JSON.stringify(b);
    assert.equal(json.split(AWS).length - 1, 1, 'only the thinking block keeps it');
    assert.ok(JSON.stringify(b.messages[1]).includes(AWS), 'the thinking block is untouched');
    assert.match(JSON.stringify(b.messages[2]), /KEY=\[REDACTED:aws-access-token\]\\nREGION=eu/);
  }
});

test('reject throws the configured message; log changes nothing; exempt consumers pass', async () => {
  await assert.rejects(() => guard({ secrets: { action: 'reject', message: 'no keys please' } }).inspect(body(), 'dev'), (e: Error & { code?: string }) => e.code === 'WARDEN_E_GUARD_REJECTED' && e.message === 'no keys please');
  const b = body();
  const logged = await guard({ secrets: { action: 'log' } }).inspect(b, 'dev');
  assert.equal(logged.changed, false);
  assert.equal(logged.action, 'log');
  assert.deepEqual(b, body());
  const exempt = await guard({ secrets: { action: 'reject' }, consumers: { sec: { exempt: true } } }).inspect(body(), 'sec');
  assert.equal(exempt.action, 'none');
});

test('the prompt guard looks at user text only', async () => {
  const g = guard({ prompt_guard: [{ id: 'bad', regex: '(?i)forbidden' }] });
  await assert.rejects(() => g.inspect({ messages: [{ role: 'user', content: 'a FORBIDDEN ask' }] }, 'dev'), /Rejected due to inappropriate content/);
  assert.equal((await g.inspect({ messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'forbidden in a file' }] }] }, 'dev')).action, 'none');
});

test('incremental: blocks scanned in an earlier turn of the conversation are not scanned again', async () => {
  const g = guard({ secrets: { action: 'log' }, pii: { action: 'log' } });
  const first = body();
  await g.inspect(first, 'dev');
  const afterFirst = g.scanned;
  assert.ok(afterFirst > 0);
  // The next turn resends everything and adds one answer and one new tool result.
  const next = body();
  const added = 'the build passed; 42 tests ran';
  next.messages.push({ role: 'assistant', content: [{ type: 'text', text: 'running the tests' }] } as never, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: added }] } as never);
  await g.inspect(next, 'dev');
  // Only the texts never seen before: the two new ones and the new tool_use_id.
  assert.equal(g.scanned - afterFirst, 'running the tests'.length + added.length + 't2'.length);
});

test('the per-text cache stays within its byte bound under a stream of unique texts, and keeps no evicted text alive', async () => {
  const g = guard({ secrets: { action: 'log' } });
  // 3 × the bound in one-byte texts, then in two-byte ones (each character counts 2 bytes).
  const latin = (i: number) => `${String(i).padStart(8, '0')} ${'plain source text '.repeat(220)}`;
  const wide = (i: number) => `${String(i).padStart(8, '0')} ${'texte accentué — ✓ '.repeat(200)}`;
  let sent = 0;
  for (const make of [latin, wide]) {
    for (let i = 0; sent < 3 * CACHE_MAX_BYTES; i++) {
      const t = make(i);
      sent += t.length * (make === wide ? 2 : 1);
      await g.inspect({ messages: [{ role: 'user', content: t }] }, 'dev');
    }
    const f = g.cacheFootprint;
    assert.ok(f.bytes <= CACHE_MAX_BYTES, `${f.bytes} bytes held`);
    assert.ok(f.bytes > CACHE_MAX_BYTES * 0.9, 'the bound is used, not undershot');
    // The eviction queue holds exactly the live entries: an evicted text has no reference left.
    const queued = (g as unknown as { order: (string | undefined)[] }).order.filter((x) => x !== undefined).length;
    assert.equal(queued, f.entries);
    sent = 0;
  }
  // The first text was evicted long ago: it is scanned again.
  const before = g.scanned;
  await g.inspect({ messages: [{ role: 'user', content: latin(0) }] }, 'dev');
  assert.equal(g.scanned - before, latin(0).length);
});

test('the cache answers only for the same text: texts alike at both ends and in length are told apart, however many', async () => {
  const g = guard({ secrets: { action: 'log' } });
  const head = 'x'.repeat(40);
  // Same length, same 40 characters at each end; only the middle differs, one carries a key.
  const clean = (i: number) => `${head} ${String(i).padStart(4, '0')} ${'z'.repeat(AWS.length)} ${head}`;
  const dirty = `${head} 9999 ${AWS} ${head}`;
  assert.equal(clean(0).length, dirty.length);
  for (let i = 0; i < 10; i++) assert.equal((await g.inspect({ messages: [{ role: 'user', content: clean(i) }] }, 'dev')).action, 'none');
  for (let round = 0; round < 2; round++) {
    const out = await g.inspect({ messages: [{ role: 'user', content: dirty }] }, 'dev');
    assert.deepEqual(out.findings, ['secrets:aws-access-token'], `round ${round}`);
  }
  assert.equal((await g.inspect({ messages: [{ role: 'user', content: clean(3) }] }, 'dev')).action, 'none');
});

test('a large hostile body is scanned in slices: other callbacks run while the scan is under way', async () => {
  const g = guard({ secrets: { action: 'log' } });
  const b = { model: 'm', messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: hostileText(1_000_000) }, { type: 'text', text: hostileText(50_000) }] }] };
  let sawScanUnderWay = false;
  const probe = setInterval(() => { if (g.inProgress > 0) sawScanUnderWay = true; }, 1);
  try {
    const out = await g.inspect(b, 'dev');
    assert.equal(out.action, 'log');
  } finally {
    clearInterval(probe);
  }
  assert.ok(g.yields > 0, 'the scan gave the event loop back');
  assert.ok(sawScanUnderWay, 'a timer ran while the scan was under way');
  assert.equal(g.inProgress, 0);
});

test('a long text is scanned in windows: every secret is found once and whole, wherever the window edges fall', async () => {
  const g = guard({ secrets: { action: 'redact' } });
  // 60 keys 7,919 characters apart (a prime, so they fall at every offset within a window).
  const parts: string[] = [];
  for (let i = 0; i < 60; i++) parts.push('lorem ipsum dolor sit amet '.repeat(300).slice(0, 7919 - AWS.length - 2), ` ${AWS} `);
  const b = { messages: [{ role: 'user', content: parts.join('') }] };
  const out = await g.inspect(b, 'dev');
  assert.deepEqual(out.findings, ['secrets:aws-access-token']);
  assert.equal(out.counts.get('secrets'), 60);
  const sent = JSON.stringify(b);
  assert.ok(!sent.includes(AWS));
  assert.equal(sent.split('[REDACTED:aws-access-token]').length - 1, 60);
});
