import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { openAuditLog } from './chain-writer.js';
import { followAudit, searchAudit, tailAudit } from './query.js';
import { auditFiles, sampleRecord, tempDir } from './fixtures/records.js';
import type { ChainedRecord } from './types.js';

function makeLog(n: number, maxFileBytes = 1500): string {
  const dir = tempDir();
  const log = openAuditLog({ dir, maxFileBytes });
  for (let i = 0; i < n; i++) log.append(sampleRecord(i));
  log.close();
  return dir;
}

const seqs = (rs: ChainedRecord[]) => rs.map((r) => r.seq);

describe('tailAudit', () => {
  test('returns the last n records oldest first, across files, skipping a torn line', () => {
    const dir = makeLog(20);
    assert.ok(auditFiles(dir).length > 3);
    assert.deepEqual(seqs(tailAudit(dir, 7)), [14, 15, 16, 17, 18, 19, 20]);
    assert.deepEqual(seqs(tailAudit(dir, 100)), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(tailAudit(dir, 0), []);
    const files = auditFiles(dir);
    appendFileSync(files[files.length - 1]!, '{"time":"x","seq":21,"req');
    assert.deepEqual(seqs(tailAudit(dir, 2)), [19, 20]);
    assert.deepEqual(tailAudit(tempDir(), 5), []);
  });
});

describe('searchAudit', () => {
  const dir = makeLog(40);
  const all = tailAudit(dir, 1000);

  test('each field filters exactly', async () => {
    const cases: Array<[Parameters<typeof searchAudit>[1], (r: ChainedRecord) => boolean]> = [
      [{ consumer: 'bob' }, (r) => r.consumer === 'bob'],
      [{ keyId: 'key_2' }, (r) => r.key_id === 'key_2'],
      [{ sessionId: 'sess-1' }, (r) => r.session_id === 'sess-1'],
      [{ model: 'claude-sonnet-4' }, () => true],
      [{ door: 'mcp' }, (r) => r.door === 'mcp'],
      [{ decision: 'deny' }, (r) => r.decision === 'deny'],
      [{ status: 403 }, (r) => r.status === 403],
      [{ consumer: 'alice', decision: 'allow' }, (r) => r.consumer === 'alice' && r.decision === 'allow'],
      [{ since: new Date(Date.UTC(2025, 0, 1, 0, 0, 30)) }, (r) => r.time >= '2025-01-01T00:00:30.000Z'],
      [{ until: new Date(Date.UTC(2025, 0, 1, 0, 0, 5)) }, (r) => r.time <= '2025-01-01T00:00:05.000Z'],
      [{ text: 'ÜNÏCÖDÉ 11' }, (r) => r.seq === 12],
      [{ text: '"quoted"' }, (r) => r.decision === 'deny'],
      [{ text: 'read' }, (r) => r.tools.includes('Read')],
      [{ consumer: 'nobody' }, () => false],
    ];
    for (const [filter, pred] of cases) {
      const got = await searchAudit(dir, filter, 1000);
      assert.deepEqual(seqs(got), seqs(all.filter(pred)), JSON.stringify(filter));
    }
  });

  test('a value inside another field does not match an exact filter', async () => {
    const d = tempDir();
    const log = openAuditLog({ dir: d, maxFileBytes: 1 << 20 });
    log.append(sampleRecord(1, { consumer: 'carol', reason: 'looks like "consumer":"bob",' }));
    log.close();
    assert.deepEqual(await searchAudit(d, { consumer: 'bob' }, 10), []);
  });

  test('limit keeps the most recent matches, oldest first', async () => {
    const got = await searchAudit(dir, { consumer: 'alice' }, 3);
    const alice = all.filter((r) => r.consumer === 'alice');
    assert.deepEqual(seqs(got), seqs(alice.slice(-3)));
  });
});

describe('followAudit', { timeout: 10_000 }, () => {
  test('emits new records as they are written, across a rotation, until aborted', async () => {
    const dir = tempDir();
    const log = openAuditLog({ dir, maxFileBytes: 1500 });
    log.append(sampleRecord(0));
    const got: number[] = [];
    const ac = new AbortController();
    let wake: () => void = () => {};
    const following = followAudit(dir, (r) => {
      got.push(r.seq);
      if (got.length === 6) wake();
    }, ac.signal, { pollMs: 10 });
    await new Promise((r) => setTimeout(r, 30));
    const six = new Promise<void>((r) => (wake = r));
    for (let i = 1; i <= 6; i++) log.append(sampleRecord(i));
    await six;
    ac.abort();
    await following;
    log.close();
    assert.ok(auditFiles(dir).length > 1, 'the records must have rotated');
    assert.deepEqual(got, [2, 3, 4, 5, 6, 7]);
  });

  test('afterSeq replays what follows it, then keeps going', async () => {
    const dir = makeLog(10);
    const got: number[] = [];
    const ac = new AbortController();
    const following = followAudit(dir, (r) => {
      got.push(r.seq);
      if (r.seq === 10) ac.abort();
    }, ac.signal, { afterSeq: 6, pollMs: 10 });
    await following;
    assert.deepEqual(got, [7, 8, 9, 10]);
  });
});
