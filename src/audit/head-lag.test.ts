import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openAuditLog } from './chain-writer.js';
import { GENESIS, makeHasher, serializeRecord } from './format.js';
import { HeadWriter, parseHead } from './head-file.js';
import { verifyAuditLog } from './verify.js';
import { auditFiles, readLines, sampleRecord, tempDir, writeLines } from './fixtures/records.js';
import type { ChainedRecord } from './types.js';

/** HEAD is rewritten once per event-loop turn, so a crash leaves it behind the records: these set it there by hand. */

function makeLog(n: number, opts: { hmacKey?: string; maxFileBytes?: number } = {}): string {
  const dir = tempDir();
  const log = openAuditLog({ dir, maxFileBytes: opts.maxFileBytes ?? 1 << 20, hmacKey: opts.hmacKey });
  for (let i = 0; i < n; i++) log.append(sampleRecord(i));
  log.close();
  return dir;
}

function records(dir: string): ChainedRecord[] {
  return auditFiles(dir).flatMap((f) => readLines(f).map((l) => JSON.parse(l) as ChainedRecord));
}

function setHead(dir: string, seq: number, hash: string, hmacKey?: string): void {
  const w = new HeadWriter(dir, makeHasher(hmacKey));
  w.write(seq, hash);
  w.close();
}

function headOnDisk(dir: string): { seq: number; hash: string } {
  const h = parseHead(readFileSync(join(dir, 'HEAD')));
  assert.equal(h.state, 'ok');
  return h.state === 'ok' ? { seq: h.head.seq, hash: h.head.hash } : { seq: -1, hash: '' };
}

const lostHeads = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('HEAD.lost.'));
const kinds = (dir: string, hmacKey?: string) => verifyAuditLog(dir, { hmacKey }).problems.map((p) => p.kind);

describe('a HEAD that lags the records (crash before the end-of-turn HEAD write)', () => {
  for (const [name, hmacKey, maxFileBytes] of [
    ['one file', undefined, 1 << 20],
    ['across files', undefined, 1500],
    ['keyed, across files', 'lag-test-key-0123', 1500],
  ] as const) {
    test(`is accepted by verify, and open brings it up to date without setting it aside (${name})`, () => {
      const dir = makeLog(12, { hmacKey, maxFileBytes });
      const recs = records(dir);
      if (maxFileBytes < 1 << 20) assert.ok(auditFiles(dir).length >= 4, 'the lag must span files');
      for (const at of [11, 5, 1]) {
        setHead(dir, at, recs[at - 1]!.hash, hmacKey);
        assert.deepEqual(kinds(dir, hmacKey), [], `HEAD at seq ${at}`);
      }
      setHead(dir, 0, GENESIS, hmacKey); // opened, then killed before the first turn ended
      assert.deepEqual(kinds(dir, hmacKey), []);

      const log = openAuditLog({ dir, maxFileBytes, hmacKey });
      assert.deepEqual(log.head(), { seq: 12, hash: recs[11]!.hash });
      assert.deepEqual(headOnDisk(dir), log.head(), 'open re-syncs HEAD');
      log.append(sampleRecord(12));
      log.close();
      assert.deepEqual(lostHeads(dir), []);
      assert.deepEqual(kinds(dir, hmacKey), []);
      assert.equal(headOnDisk(dir).seq, 13);
    });
  }

  test('a torn last line after the records does not stop a lagging HEAD from being accepted', () => {
    const dir = makeLog(6);
    const recs = records(dir);
    setHead(dir, 4, recs[3]!.hash);
    const f = auditFiles(dir)[0]!;
    writeLines(f, [...readLines(f), '{"time":"2025-01-01T00:00:09.000Z","seq":7,"requ']);
    const log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    assert.equal(log.head().seq, 6);
    log.close();
    assert.deepEqual(lostHeads(dir), []);
    assert.deepEqual(headOnDisk(dir).seq, 6);
  });
});

describe('a HEAD the records do not bear out is still caught', () => {
  test('HEAD behind the end but with a hash that is no record of the chain: verify says edited, open sets it aside', () => {
    const dir = makeLog(8);
    const recs = records(dir);
    for (const hash of ['ab'.repeat(32), recs[2]!.hash]) {
      setHead(dir, 5, hash);
      assert.deepEqual(kinds(dir), ['edited'], `hash ${hash.slice(0, 8)}…`);
    }
    const log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    log.close();
    assert.equal(lostHeads(dir).length, 1, 'the stale HEAD is kept as evidence');
    const res = verifyAuditLog(dir);
    assert.deepEqual(res.problems.map((p) => p.kind), ['truncated']);
    assert.match(res.problems[0]!.detail, /do not reach or match.*it said seq 5/);
  });

  test('a lag over a record that was rewritten (chain broken between HEAD and the end) is not taken for a lag', () => {
    const dir = makeLog(8);
    const recs = records(dir);
    setHead(dir, 3, recs[2]!.hash);
    const f = auditFiles(dir)[0]!;
    const lines = readLines(f);
    // A well-formed record 6 with its own valid hash, but not the one record 7 links to.
    lines[5] = serializeRecord(sampleRecord(5, { consumer: 'mallory' }), 6, recs[4]!.hash, makeHasher()).line.slice(0, -1);
    writeLines(f, lines);
    assert.ok(kinds(dir).includes('edited'));
    const log = openAuditLog({ dir, maxFileBytes: 1 << 20 });
    log.close();
    assert.equal(lostHeads(dir).length, 1);
    assert.ok(kinds(dir).includes('truncated'));
  });

  test('records cut off below HEAD: truncated before and after a restart', () => {
    const dir = makeLog(10, { maxFileBytes: 1500 });
    const files = auditFiles(dir);
    const last = files[files.length - 1]!;
    writeLines(last, readLines(last).slice(0, -1));
    assert.deepEqual(kinds(dir), ['truncated']);
    const log = openAuditLog({ dir, maxFileBytes: 1500 });
    assert.equal(log.head().seq, 9);
    log.append(sampleRecord(42));
    log.close();
    assert.equal(lostHeads(dir).length, 1);
    const res = verifyAuditLog(dir);
    assert.deepEqual(res.problems.map((p) => p.kind), ['truncated']);
    assert.match(res.problems[0]!.detail, /it said seq 10/);
  });
});
