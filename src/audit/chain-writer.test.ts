import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAuditLog } from './chain-writer.js';
import { GENESIS } from './format.js';
import { verifyAuditLog } from './verify.js';
import { auditFiles, readLines, sampleRecord, tempDir } from './fixtures/records.js';
import type { ChainedRecord } from './types.js';

function allRecords(dir: string): ChainedRecord[] {
  return auditFiles(dir).flatMap((f) => readLines(f).map((l) => JSON.parse(l) as ChainedRecord));
}

describe('chain writer', () => {
  test('writes a clean chain across several files and verify passes', () => {
    const dir = tempDir();
    const log = openAuditLog({ dir, maxFileBytes: 1500 });
    for (let i = 0; i < 25; i++) log.append(sampleRecord(i));
    const head = log.head();
    log.close();
    const files = auditFiles(dir);
    assert.ok(files.length >= 5, `expected rotation, got ${files.length} file(s)`);
    for (const f of files) assert.ok(statSync(f).size <= 1500, `${f} is past maxFileBytes`);
    const recs = allRecords(dir);
    assert.deepEqual(recs.map((r) => r.seq), Array.from({ length: 25 }, (_, i) => i + 1));
    assert.equal(recs[0]!.prev, GENESIS);
    for (let i = 1; i < recs.length; i++) assert.equal(recs[i]!.prev, recs[i - 1]!.hash);
    assert.deepEqual(head, { seq: 25, hash: recs[24]!.hash });
    const res = verifyAuditLog(dir);
    assert.deepEqual(res.problems, []);
    assert.equal(res.ok, true);
    assert.equal(res.records, 25);
    assert.equal(res.lastSeq, 25);
  });

  test('a record keeps its fields, and nothing the caller added', () => {
    const dir = tempDir();
    const log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    const rec = { ...sampleRecord(1), bodies: { request: 'hi', response: 'there' }, apiKey: 'sk-secret' };
    log.append(rec);
    log.close();
    const [line] = readLines(auditFiles(dir)[0]!);
    assert.ok(!line!.includes('sk-secret'));
    const parsed = JSON.parse(line!) as Record<string, unknown>;
    const { apiKey: _drop, ...expected } = rec;
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(parsed[k], v, k);
    assert.deepEqual(Object.keys(parsed).slice(0, 2), ['time', 'seq']);
    assert.deepEqual(Object.keys(parsed).slice(-2), ['prev', 'hash']);
  });

  test('reopening continues the chain where it stopped', () => {
    const dir = tempDir();
    let log = openAuditLog({ dir, maxFileBytes: 2000 });
    for (let i = 0; i < 7; i++) log.append(sampleRecord(i));
    const before = log.head();
    log.close();
    log = openAuditLog({ dir, maxFileBytes: 2000 });
    assert.deepEqual(log.head(), before);
    for (let i = 7; i < 15; i++) log.append(sampleRecord(i));
    log.close();
    const recs = allRecords(dir);
    assert.deepEqual(recs.map((r) => r.seq), Array.from({ length: 15 }, (_, i) => i + 1));
    assert.equal(recs[7]!.prev, before.hash);
    assert.equal(verifyAuditLog(dir).ok, true);
  });

  test('a torn last line: verify reports it, the writer continues in a new file, never after the garbage', () => {
    const dir = tempDir();
    let log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    for (let i = 0; i < 4; i++) log.append(sampleRecord(i));
    log.close();
    const first = auditFiles(dir)[0]!;
    appendFileSync(first, '{"time":"2025-01-01T00:00:09.000Z","seq":5,"request_id":"re');
    let res = verifyAuditLog(dir);
    assert.deepEqual(res.problems.map((p) => [p.file, p.line, p.kind]), [['audit-000001.jsonl', 5, 'torn']]);

    log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    assert.equal(log.head().seq, 4);
    log.append(sampleRecord(5));
    log.close();
    assert.equal(auditFiles(dir).length, 2, 'the writer must start a new file');
    assert.equal(readLines(auditFiles(dir)[1]!).length, 1);
    res = verifyAuditLog(dir);
    assert.deepEqual(res.problems.map((p) => p.kind), ['torn']);
    assert.equal(res.lastSeq, 5);
  });

  test('HEAD catches up with the appends once per event-loop turn, and on close', async () => {
    const dir = tempDir();
    const readHeadFile = () => {
      const head = readFileSync(join(dir, 'HEAD'));
      assert.equal(head.length, 256);
      const h = JSON.parse(head.toString()) as { seq: number; hash: string };
      return { seq: h.seq, hash: h.hash };
    };
    const log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    assert.deepEqual(readHeadFile(), { seq: 0, hash: GENESIS });
    for (let turn = 0; turn < 3; turn++) {
      const before = readHeadFile();
      for (let i = 0; i < 4; i++) log.append(sampleRecord(turn * 4 + i));
      assert.deepEqual(readHeadFile(), before, 'HEAD is not rewritten within the turn');
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(readHeadFile(), log.head());
    }
    log.append(sampleRecord(99));
    log.close();
    assert.equal(readHeadFile().seq, 13);
    assert.equal(verifyAuditLog(dir).ok, true);
  });

  test('one writer per folder; the lock is released on close and taken over from a dead process', () => {
    const dir = tempDir();
    const log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    assert.throws(() => openAuditLog({ dir, maxFileBytes: 1 << 20 }), /already written by this process/);
    log.close();
    assert.equal(existsSync(join(dir, 'LOCK')), false);
    writeFileSync(join(dir, 'LOCK'), '2147483646'); // no such process
    openAuditLog({ dir, maxFileBytes: 1 << 20 }).close();
  });

  test('keyed mode: verifies only with the right key; opening with another mode is refused', () => {
    const dir = tempDir();
    const log = openAuditLog({ dir, maxFileBytes: 1500, hmacKey: 'k-right' });
    for (let i = 0; i < 6; i++) log.append(sampleRecord(i));
    log.close();
    assert.equal(verifyAuditLog(dir, { hmacKey: 'k-right' }).ok, true);
    const wrong = verifyAuditLog(dir, { hmacKey: 'k-wrong' });
    assert.equal(wrong.ok, false);
    assert.ok(wrong.problems.some((p) => p.file === 'HEAD' && p.kind === 'edited'));
    assert.ok(wrong.problems.filter((p) => p.kind === 'edited').length >= 6);
    const none = verifyAuditLog(dir);
    assert.equal(none.ok, false);
    assert.ok(none.problems.some((p) => p.file === 'HEAD' && /pass the HMAC key/.test(p.detail)));
    assert.throws(() => openAuditLog({ dir, maxFileBytes: 1500 }), /does not verify/);
    assert.throws(() => openAuditLog({ dir, maxFileBytes: 1500, hmacKey: 'k-wrong' }), (e: Error) => /does not verify/.test(e.message) && !e.message.includes('k-wrong'));
  });

  test('a wrong key lists at most maxProblems and counts the rest', () => {
    const dir = tempDir();
    const log = openAuditLog({ dir, maxFileBytes: 1 << 20, hmacKey: 'a' });
    for (let i = 0; i < 30; i++) log.append(sampleRecord(i));
    log.close();
    const res = verifyAuditLog(dir, { hmacKey: 'b', maxProblems: 10 });
    assert.equal(res.ok, false);
    assert.equal(res.problems.length, 10);
    assert.ok(res.problemsOmitted >= 20);
  });

  test('records cut off the tail before a restart stay reported: the stale HEAD is set aside, not overwritten', () => {
    const dir = tempDir();
    let log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) log.append(sampleRecord(i));
    log.close();
    const f = auditFiles(dir)[0]!;
    writeFileSync(f, readLines(f).slice(0, 3).map((l) => l + '\n').join(''));
    log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    assert.equal(log.head().seq, 3);
    log.append(sampleRecord(9));
    log.close();
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('HEAD.lost.')).length, 1);
    const res = verifyAuditLog(dir);
    assert.deepEqual(res.problems.map((p) => p.kind), ['truncated']);
    assert.match(res.problems[0]!.detail, /it said seq 5/);
  });

  test("fsync: 'always' writes the same verifiable chain", () => {
    const dir = tempDir();
    const log = openAuditLog({ dir, maxFileBytes: 800, fsync: 'always' });
    for (let i = 0; i < 5; i++) log.append(sampleRecord(i));
    log.close();
    assert.equal(verifyAuditLog(dir).ok, true);
    assert.throws(() => log.append(sampleRecord(6)), /closed/);
  });

  test('rejects a non-positive maxFileBytes and an empty key', () => {
    assert.throws(() => openAuditLog({ dir: tempDir(), maxFileBytes: 0 }), /max_file_bytes/);
    const dir = tempDir();
    assert.throws(() => openAuditLog({ dir, maxFileBytes: 100, hmacKey: '' }), /HMAC key is empty/);
    openAuditLog({ dir, maxFileBytes: 100 }).close(); // the failed open released the lock
  });
});
