import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, readdirSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openAuditLog, type AuditLog } from './chain-writer.js';
import type { AuditEvent } from './events.js';
import { listAuditFiles } from './files.js';
import { readLines, sampleRecord, tempDir, writeLines } from './fixtures/records.js';
import type { ChainedRecord } from './types.js';
import { verifyAuditLog } from './verify.js';

/**
 * Files replaced under a running writer. Before, records kept going to the old inode (a
 * renamed-away or unlinked file) until restart: lost to verify and to readers. Now the
 * writer notices once per event-loop turn and continues the chain in a new file.
 */

const KEY = 'live-replace-test-key-0123456789';

function records(dir: string): ChainedRecord[] {
  return listAuditFiles(dir).flatMap((f) => readLines(f.path).map((l) => JSON.parse(l) as ChainedRecord));
}

async function running(): Promise<{ dir: string; log: AuditLog; events: AuditEvent[] }> {
  const dir = tempDir();
  const events: AuditEvent[] = [];
  const log = openAuditLog({ dir, maxFileBytes: 1 << 20, hmacKey: KEY, onEvent: (e) => events.push(e) });
  for (let i = 1; i <= 3; i++) log.append(sampleRecord(i));
  await nextTurn();
  return { dir, log, events };
}

/** `sed -i`: the file is read, written anew under a temporary name and renamed over the original. */
function sedInPlace(path: string, edit: (s: string) => string): void {
  writeFileSync(`${path}.sed`, edit(readFileSync(path, 'utf8')));
  renameSync(`${path}.sed`, path);
}

const first = (dir: string) => join(dir, 'audit-000001.jsonl');

interface Replacement {
  name: string;
  run(dir: string): void;
  /** Problems verify must report afterwards (the change itself), by kind; [] when nothing was lost or changed. */
  problems: string[];
}

const TABLE: Replacement[] = [
  { name: 'sed -i that changes nothing (new inode, same bytes)', run: (d) => sedInPlace(first(d), (s) => s), problems: [] },
  { name: 'sed -i that edits a record', run: (d) => sedInPlace(first(d), (s) => s.replace('"tokens_in":102', '"tokens_in":1')), problems: ['edited'] },
  { name: 'sed -i that deletes a record', run: (d) => sedInPlace(first(d), (s) => s.split('\n').filter((_, i) => i !== 1).join('\n')), problems: ['removed'] },
  { name: 'logrotate: move and create', run: (d) => (renameSync(first(d), `${first(d)}.1`), writeFileSync(first(d), '')), problems: ['removed'] },
  { name: 'logrotate: move, no create', run: (d) => renameSync(first(d), `${first(d)}.1`), problems: ['removed'] },
  { name: 'logrotate: copytruncate', run: (d) => (copyFileSync(first(d), `${first(d)}.1`), truncateSync(first(d), 0)), problems: ['removed'] },
  { name: 'the file deleted', run: (d) => rmSync(first(d)), problems: ['removed'] },
  { name: 'a line appended by someone else', run: (d) => appendFileSync(first(d), '{"forged":true}\n'), problems: ['inserted'] },
];

describe('an audit file replaced under the running writer', () => {
  for (const r of TABLE) {
    test(`${r.name}: later records are found and chain on`, async () => {
      const { dir, log, events } = await running();
      r.run(dir);
      for (let i = 4; i <= 6; i++) log.append(sampleRecord(i));
      await nextTurn();
      log.append(sampleRecord(7));
      log.close();
      const seqs = records(dir).map((x) => x.seq);
      for (const s of [4, 5, 6, 7]) assert.ok(seqs.includes(s), `record ${s}, written after the replacement, is not in the log (${seqs.join(',')})`);
      assert.deepEqual(events.map((e) => e.kind), ['file_replaced']);
      assert.equal(events[0]!.file, 'audit-000001.jsonl');
      const res = verifyAuditLog(dir, { hmacKey: KEY });
      assert.deepEqual(res.problems.map((p) => p.kind), r.problems, JSON.stringify(res.problems));
      assert.equal(res.lastSeq, 7);
    });
  }

  test('records in one turn are not checked one by one: the check runs on the first append of a turn', async () => {
    const { dir, log, events } = await running();
    log.append(sampleRecord(4)); // the turn's check: still our file
    sedInPlace(first(dir), (s) => s);
    log.append(sampleRecord(5)); // same turn: no stat, goes to the old inode
    await nextTurn();
    log.append(sampleRecord(6)); // next turn: noticed
    log.close();
    assert.deepEqual(events.map((e) => e.kind), ['file_replaced']);
    const seqs = records(dir).map((x) => x.seq);
    assert.ok(seqs.includes(6) && !seqs.includes(5));
  });
});

describe('HEAD replaced or deleted under the running writer', () => {
  test('a replaced HEAD is set aside as evidence and reported; HEAD is written anew', async () => {
    const { dir, log, events } = await running();
    sedInPlace(join(dir, 'HEAD'), (s) => s);
    log.append(sampleRecord(4));
    await nextTurn();
    log.close();
    assert.deepEqual(events.map((e) => e.kind), ['head_replaced']);
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('HEAD.lost.')).length, 1);
    const res = verifyAuditLog(dir, { hmacKey: KEY });
    assert.deepEqual(res.problems.map((p) => p.kind), ['truncated']);
    assert.equal(res.lastSeq, 4);
  });

  test('a deleted HEAD is written anew at the next turn and reported', async () => {
    const { dir, log, events } = await running();
    rmSync(join(dir, 'HEAD'));
    log.append(sampleRecord(4));
    await nextTurn();
    assert.deepEqual(events.map((e) => e.kind), ['head_replaced']);
    assert.deepEqual(verifyAuditLog(dir, { hmacKey: KEY }).problems, []);
    log.close();
  });

  test('records cut off while running are still caught: HEAD keeps the writer\'s own tip', async () => {
    const { dir, log } = await running();
    const lines = readLines(first(dir));
    writeLines(first(dir), lines.slice(0, 2));
    rmSync(join(dir, 'HEAD'));
    log.append(sampleRecord(4));
    await nextTurn();
    log.close();
    const kinds = verifyAuditLog(dir, { hmacKey: KEY }).problems.map((p) => p.kind);
    assert.ok(kinds.includes('removed'), kinds.join(','));
  });
});
