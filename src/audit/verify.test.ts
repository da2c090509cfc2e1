import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openAuditLog } from './chain-writer.js';
import { makeHasher, serializeRecord } from './format.js';
import { HeadWriter } from './head-file.js';
import { verifyAuditLog, type VerifyResult } from './verify.js';
import { auditFiles, readLines, sampleRecord, tempDir, writeLines } from './fixtures/records.js';
import type { ChainedRecord } from './types.js';

function makeLog(n: number, opts: { hmacKey?: string; maxFileBytes?: number } = {}): string {
  const dir = tempDir();
  const log = openAuditLog({ dir, maxFileBytes: opts.maxFileBytes ?? 1 << 20, hmacKey: opts.hmacKey });
  for (let i = 0; i < n; i++) log.append(sampleRecord(i));
  log.close();
  return dir;
}

const kinds = (r: VerifyResult) => r.problems.map((p) => p.kind);
const forge = (i: number, seq: number, prev: string, key?: string) => serializeRecord(sampleRecord(i, { consumer: 'mallory' }), seq, prev, makeHasher(key)).line.slice(0, -1);
const parse = (line: string) => JSON.parse(line) as ChainedRecord;

describe('verify detects every single-byte change', () => {
  for (const hmacKey of [undefined, 'test-key']) {
    test(`flipping any byte of any file is reported (${hmacKey ? 'keyed' : 'unkeyed'})`, () => {
      const dir = makeLog(4, { hmacKey, maxFileBytes: 1200 });
      assert.equal(verifyAuditLog(dir, { hmacKey }).ok, true);
      const paths = [...auditFiles(dir), join(dir, 'HEAD')];
      assert.ok(paths.length >= 3, 'the sample must span several files');
      let flips = 0;
      for (const path of paths) {
        const pristine = readFileSync(path);
        const fd = openSync(path, 'r+');
        try {
          for (let pos = 0; pos < pristine.length; pos++) {
            for (const mask of pos % 5 === 0 ? [0x01, 0x20, 0x80] : [0x01]) {
              writeSync(fd, Buffer.of(pristine[pos]! ^ mask), 0, 1, pos);
              const res = verifyAuditLog(dir, { hmacKey });
              assert.equal(res.ok, false, `flip 0x${mask.toString(16)} at ${basename(path)} byte ${pos} went unnoticed`);
              flips++;
            }
            writeSync(fd, pristine, pos, 1, pos);
          }
        } finally {
          closeSync(fd);
        }
      }
      assert.ok(flips > 2000);
      assert.equal(verifyAuditLog(dir, { hmacKey }).ok, true);
    });
  }
});

describe('verify classifies structural tampering', () => {
  test('a removed line is "removed", naming the missing seq', () => {
    const dir = makeLog(6);
    const f = auditFiles(dir)[0]!;
    const lines = readLines(f);
    writeLines(f, [...lines.slice(0, 2), ...lines.slice(3)]);
    const res = verifyAuditLog(dir);
    assert.deepEqual(kinds(res), ['removed']);
    assert.equal(res.problems[0]!.seq, 4);
    assert.equal(res.problems[0]!.line, 3);
    assert.match(res.problems[0]!.detail, /seq 3 is missing/);
  });

  test('removing the first record, or the first record of a later file, is "removed"', () => {
    let dir = makeLog(4);
    let f = auditFiles(dir)[0]!;
    writeLines(f, readLines(f).slice(1));
    assert.deepEqual(kinds(verifyAuditLog(dir)), ['removed']);

    dir = makeLog(6, { maxFileBytes: 1200 });
    f = auditFiles(dir)[1]!;
    writeLines(f, readLines(f).slice(1));
    assert.deepEqual(kinds(verifyAuditLog(dir)), ['removed']);
  });

  test('an inserted line whose hash does not verify (keyed mode) is "inserted"', () => {
    const dir = makeLog(5, { hmacKey: 'k' });
    const f = auditFiles(dir)[0]!;
    const lines = readLines(f);
    const forged = forge(9, 3, parse(lines[1]!).hash, 'not-the-key');
    writeLines(f, [...lines.slice(0, 2), forged, ...lines.slice(2)]);
    const res = verifyAuditLog(dir, { hmacKey: 'k' });
    assert.deepEqual(kinds(res), ['inserted']);
    assert.equal(res.problems[0]!.line, 3);
  });

  test('an inserted line with a correct hash and link (unkeyed) is still found, and blamed, before or after its twin', () => {
    for (const at of ['before', 'after'] as const) {
      const dir = makeLog(5);
      const f = auditFiles(dir)[0]!;
      const lines = readLines(f);
      const forged = forge(9, 3, parse(lines[1]!).hash);
      const out = at === 'before' ? [...lines.slice(0, 2), forged, ...lines.slice(2)] : [...lines.slice(0, 3), forged, ...lines.slice(3)];
      writeLines(f, out);
      const res = verifyAuditLog(dir);
      assert.deepEqual(kinds(res), ['inserted'], at);
      assert.equal(res.problems[0]!.line, at === 'before' ? 3 : 4, at);
    }
  });

  test('a copied line is "inserted"', () => {
    const dir = makeLog(5);
    const f = auditFiles(dir)[0]!;
    const lines = readLines(f);
    writeLines(f, [...lines.slice(0, 4), lines[1]!, lines[4]!]);
    const res = verifyAuditLog(dir);
    assert.deepEqual(kinds(res), ['inserted']);
    assert.equal(res.problems[0]!.line, 5);
  });

  test('two swapped lines are "reordered" (also across a file boundary)', () => {
    let dir = makeLog(5);
    let f = auditFiles(dir)[0]!;
    const l = readLines(f);
    writeLines(f, [l[0]!, l[2]!, l[1]!, l[3]!, l[4]!]);
    let res = verifyAuditLog(dir);
    assert.deepEqual(kinds(res), ['reordered']);
    assert.equal(res.problems[0]!.seq, 2);

    dir = makeLog(6, { maxFileBytes: 1200 });
    const [a, b] = auditFiles(dir);
    const la = readLines(a!);
    const lb = readLines(b!);
    writeLines(a!, [...la.slice(0, -1), lb[0]!]);
    writeLines(b!, [la[la.length - 1]!, ...lb.slice(1)]);
    res = verifyAuditLog(dir);
    assert.deepEqual(kinds(res), ['reordered']);
  });

  test('records cut off the end are "truncated" against HEAD (a line, or a whole file)', () => {
    let dir = makeLog(5);
    let f = auditFiles(dir)[0]!;
    writeLines(f, readLines(f).slice(0, 4));
    let res = verifyAuditLog(dir);
    assert.deepEqual(kinds(res), ['truncated']);
    assert.match(res.problems[0]!.detail, /seq 5 but the log ends at seq 4/);

    dir = makeLog(6, { maxFileBytes: 1200 });
    const files = auditFiles(dir);
    rmSync(files[files.length - 1]!);
    assert.deepEqual(kinds(verifyAuditLog(dir)), ['truncated']);
  });

  test('a torn last line is "torn"; cutting into a record HEAD vouches for is torn and truncated', () => {
    let dir = makeLog(3);
    let f = auditFiles(dir)[0]!;
    writeFileSync(f, readFileSync(f, 'utf8') + '{"time":"2025-01-01T00:00:05.000Z","seq":4,"requ');
    assert.deepEqual(kinds(verifyAuditLog(dir)), ['torn']);

    dir = makeLog(3);
    f = auditFiles(dir)[0]!;
    const bytes = readFileSync(f);
    writeFileSync(f, bytes.subarray(0, bytes.length - 40));
    assert.deepEqual(kinds(verifyAuditLog(dir)), ['torn', 'truncated']);
  });

  test('a record rewritten with a recomputed hash (unkeyed) is "edited", blamed on that record', () => {
    const dir = makeLog(5);
    const f = auditFiles(dir)[0]!;
    const lines = readLines(f);
    const orig = parse(lines[2]!);
    lines[2] = forge(2, orig.seq, orig.prev);
    writeLines(f, lines);
    const res = verifyAuditLog(dir);
    assert.deepEqual(kinds(res), ['edited']);
    assert.equal(res.problems[0]!.line, 3);
    assert.equal(res.problems[0]!.seq, 3);
  });

  test('without a key, rewriting everything from a record on (and HEAD) goes unseen; with a key it cannot be done', () => {
    for (const key of [undefined, 'k']) {
      const dir = makeLog(5, { hmacKey: key });
      const f = auditFiles(dir)[0]!;
      const lines = readLines(f);
      let prev = parse(lines[1]!).hash;
      const attackerKey = key ? 'guess' : undefined;
      for (let i = 2; i < 5; i++) {
        const { line, hash } = serializeRecord(sampleRecord(i, { consumer: 'mallory' }), i + 1, prev, makeHasher(attackerKey));
        lines[i] = line.slice(0, -1);
        prev = hash;
      }
      writeLines(f, lines);
      const head = new HeadWriter(dir, makeHasher(attackerKey));
      head.write(5, prev);
      head.close();
      assert.equal(verifyAuditLog(dir, { hmacKey: key }).ok, key === undefined);
    }
  });

  test('HEAD one record behind (killed between the record write and the HEAD write) is accepted; a wrong hash there is not', () => {
    const dir = makeLog(4);
    const lines = readLines(auditFiles(dir)[0]!);
    const third = parse(lines[2]!);
    let head = new HeadWriter(dir, makeHasher());
    head.write(3, third.hash);
    head.close();
    assert.deepEqual(verifyAuditLog(dir).problems, []);
    head = new HeadWriter(dir, makeHasher());
    head.write(3, parse(lines[1]!).hash);
    head.close();
    assert.deepEqual(kinds(verifyAuditLog(dir)), ['edited']);
  });

  test('HEAD missing is "truncated", HEAD damaged is "malformed"', () => {
    let dir = makeLog(2);
    unlinkSync(join(dir, 'HEAD'));
    assert.deepEqual(kinds(verifyAuditLog(dir)), ['truncated']);
    dir = makeLog(2);
    writeFileSync(join(dir, 'HEAD'), 'nonsense\n');
    assert.deepEqual(kinds(verifyAuditLog(dir)), ['malformed']);
  });

  test('an empty folder is clean; a missing one is not', () => {
    const dir = tempDir();
    assert.equal(verifyAuditLog(dir).ok, true);
    assert.equal(verifyAuditLog(join(dir, 'nope')).ok, false);
  });

  test('an empty log opened once (HEAD at seq 0) verifies', () => {
    const dir = tempDir();
    openAuditLog({ dir, maxFileBytes: 100 }).close();
    const res = verifyAuditLog(dir);
    assert.deepEqual(res.problems, []);
    assert.equal(res.records, 0);
  });
});
