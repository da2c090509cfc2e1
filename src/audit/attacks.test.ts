import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openAuditLog } from './chain-writer.js';
import { verifierAuditKey, writerAuditKey } from './key-file.js';
import { verifyAuditLog } from './verify.js';
import { sampleRecord, tempDir } from './fixtures/records.js';
import { GUESSED, PLAIN, cutLast, deleteLastFile, editByte, editHead, forgeAppend, removeHead, removeRecord, rewriteFrom, swap } from './fixtures/tamper.js';

/**
 * Attacks by someone who can write the audit folder but does not hold the key file, on a
 * log written the way the gateway writes it without any audit configuration (key generated
 * beside the folder on first start) and checked the way `warden audit verify` checks it.
 * Each one must fail verify, also after Warden restarts on the tampered folder and writes on.
 */

const MAX = 1200;

function keyedLog(n: number): string {
  const dir = join(tempDir(), 'audit');
  const key = writerAuditKey({ auditDir: dir });
  assert.equal(key.generated, true);
  const log = openAuditLog({ dir, maxFileBytes: MAX, hmacKey: key.key, adoptUnkeyed: true });
  key.persist();
  for (let i = 0; i < n; i++) log.append(sampleRecord(i));
  log.close();
  return dir;
}

/** A log started before keyed mode (4 unkeyed records), then continued by a Warden with the default key. */
function migratedLog(): string {
  const dir = join(tempDir(), 'audit');
  let log = openAuditLog({ dir, maxFileBytes: MAX });
  for (let i = 0; i < 4; i++) log.append(sampleRecord(i));
  log.close();
  const key = writerAuditKey({ auditDir: dir });
  log = openAuditLog({ dir, maxFileBytes: MAX, hmacKey: key.key, adoptUnkeyed: key.generated });
  key.persist();
  for (let i = 4; i < 8; i++) log.append(sampleRecord(i));
  log.close();
  return dir;
}

const verify = (dir: string) => verifyAuditLog(dir, { hmacKey: verifierAuditKey({ auditDir: dir }).key });

interface Attack {
  name: string;
  run(dir: string): void;
  /** The seq a problem must name (a forged record is pointed at, not just "something is wrong"). */
  blames?: number;
}

const ATTACKS: Attack[] = [
  { name: 'forged append at the end, re-hashed with SHA-256, HEAD rewritten to match', run: (d) => forgeAppend(d, PLAIN), blames: 9 },
  { name: 'forged append at the end, HEAD left alone', run: (d) => forgeAppend(d, PLAIN, { head: false }), blames: 9 },
  { name: 'forged append of three records, HEAD rewritten', run: (d) => forgeAppend(d, PLAIN, { n: 3 }), blames: 9 },
  { name: 'forged append under a guessed key, HEAD rewritten under it', run: (d) => forgeAppend(d, GUESSED), blames: 9 },
  { name: 'forged records in a new file after the last (a new segment), SHA-256', run: (d) => forgeAppend(d, PLAIN, { newFile: true, n: 2 }), blames: 9 },
  { name: 'forged records in a new file after the last, guessed key', run: (d) => forgeAppend(d, GUESSED, { newFile: true, n: 2 }), blames: 9 },
  { name: 'a middle record forged and every later one re-hashed with SHA-256, HEAD too', run: (d) => rewriteFrom(d, 5, PLAIN) },
  { name: 'the second record forged and everything after re-hashed with SHA-256', run: (d) => rewriteFrom(d, 2, PLAIN) },
  { name: 'a middle record forged and re-hashed under a guessed key', run: (d) => rewriteFrom(d, 5, GUESSED) },
  { name: 'the whole log re-hashed from the first record with SHA-256', run: (d) => rewriteFrom(d, 1, PLAIN) },
  { name: 'the last record forged and re-hashed with SHA-256, HEAD too', run: (d) => rewriteFrom(d, 8, PLAIN), blames: 8 },
  { name: 'a record edited (one digit)', run: (d) => editByte(d, 3), blames: 3 },
  { name: 'a record removed', run: (d) => removeRecord(d, 4) },
  { name: 'two records reordered', run: (d) => swap(d, 3, 6) },
  { name: 'truncated: the last record cut off', run: cutLast },
  { name: 'truncated: the last file deleted', run: deleteLastFile },
  { name: 'truncated, and HEAD edited to the new end', run: (d) => (cutLast(d), editHead(d, (t) => t.replace('"seq":8', '"seq":7'))) },
  { name: 'HEAD edited (its seq)', run: (d) => editHead(d, (t) => t.replace('"seq":8', '"seq":9')) },
  { name: 'HEAD removed', run: removeHead },
  { name: 'HEAD removed and records cut off', run: (d) => (removeHead(d), cutLast(d)) },
  { name: 'HEAD replaced by an unkeyed one at the true tip', run: (d) => (removeHead(d), forgeAppend(d, PLAIN, { n: 0 })) },
];

for (const [kind, make] of [
  ['a log keyed by default', () => keyedLog(8)],
  ['an unkeyed log continued under the default key', migratedLog],
] as const) {
  describe(`attacks on ${kind}`, () => {
    test('the untouched log verifies', () => {
      const dir = make();
      assert.deepEqual(verify(dir).problems, []);
    });

    for (const a of ATTACKS) {
      test(a.name, () => {
        const dir = make();
        a.run(dir);
        const res = verify(dir);
        assert.equal(res.ok, false, `${a.name} went unnoticed`);
        if (a.blames !== undefined) assert.ok(res.problems.some((p) => p.seq === a.blames), `no problem names seq ${a.blames}: ${JSON.stringify(res.problems)}`);
        // Restarting Warden on the tampered folder must not launder it: it refuses, or writes on and verify still fails.
        const key = writerAuditKey({ auditDir: dir });
        assert.equal(key.generated, false);
        let log;
        try {
          log = openAuditLog({ dir, maxFileBytes: MAX, hmacKey: key.key, adoptUnkeyed: key.generated });
        } catch (e) {
          assert.match((e as Error).message, /does not verify|tampered/);
          return;
        }
        log.append(sampleRecord(50));
        log.append(sampleRecord(51));
        log.close();
        assert.equal(verify(dir).ok, false, `${a.name} was laundered by a restart`);
      });
    }
  });
}
