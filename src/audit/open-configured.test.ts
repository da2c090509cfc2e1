import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../telemetry/log.js';
import { createWardenMetrics } from '../telemetry/warden-metrics.js';
import { openAuditLog } from './chain-writer.js';
import { parseHead } from './head-file.js';
import { defaultKeyFile, verifierAuditKey } from './key-file.js';
import { lockAuditDir } from './lock.js';
import { openConfiguredAuditLog } from './open-configured.js';
import { sampleRecord, tempDir } from './fixtures/records.js';
import { PLAIN, cutLast, forgeAppend } from './fixtures/tamper.js';
import { verifyAuditLog } from './verify.js';

/** Opening the audit log the way the gateway does, with no audit settings but the folder. */

function gateway() {
  const lines: Array<Record<string, unknown>> = [];
  const metrics = createWardenMetrics();
  const log = createLogger('debug', (l) => void lines.push(JSON.parse(l) as Record<string, unknown>));
  const open = (dir: string) => openConfiguredAuditLog({ dir, max_file_bytes: 1200, fsync: 'never' }, '/', { log, events: metrics.auditEvents, headSetAside: metrics.auditHeadSetAside });
  return { lines, metrics, open, text: () => metrics.registry.render() };
}

const newDir = () => join(tempDir(), 'audit');
const headAlg = (dir: string) => {
  const h = parseHead(readFileSync(join(dir, 'HEAD')));
  return h.state === 'ok' ? h.head.alg : h.state;
};
const verifyKeyed = (dir: string) => verifyAuditLog(dir, { hmacKey: verifierAuditKey({ auditDir: dir }).key });

function plainLog(n: number): string {
  const dir = newDir();
  const log = openAuditLog({ dir, maxFileBytes: 1200 });
  for (let i = 0; i < n; i++) log.append(sampleRecord(i));
  log.close();
  return dir;
}

describe('the audit log without configuration', () => {
  test('is keyed: the key file is generated on the first start and announced (path, never the key)', () => {
    const g = gateway();
    const dir = newDir();
    const log = g.open(dir);
    log.append(sampleRecord(1));
    log.close();
    assert.equal(headAlg(dir), 'hmac-sha256');
    const key = readFileSync(defaultKeyFile(dir), 'utf8').trim();
    const warn = g.lines.find((l) => /key generated/.test(String(l.msg)));
    assert.equal(warn?.key_file, defaultKeyFile(dir));
    assert.ok(!JSON.stringify(g.lines).includes(key));
    assert.deepEqual(verifyKeyed(dir).problems, []);
    assert.equal(verifyAuditLog(dir).ok, false, 'an unkeyed check of a keyed log fails');
  });

  test('a start that fails (the folder is locked) leaves no key behind', () => {
    const g = gateway();
    const dir = newDir();
    const other = openAuditLog({ dir, maxFileBytes: 1200 });
    try {
      assert.throws(() => g.open(dir), /already written by this process/);
    } finally {
      other.close();
    }
    assert.equal(existsSync(defaultKeyFile(dir)), false);
  });

  test('a HEAD set aside on start is an error log line and a metric', () => {
    const dir = newDir();
    let g = gateway();
    const log = g.open(dir);
    for (let i = 0; i < 4; i++) log.append(sampleRecord(i));
    log.close();
    cutLast(dir);
    g = gateway();
    g.open(dir).close();
    const err = g.lines.find((l) => l.level === 'error' && l.audit_event === 'head_set_aside');
    assert.ok(err, JSON.stringify(g.lines));
    assert.match(String(err.msg), /set aside as HEAD\.lost\./);
    assert.match(g.text(), /^warden_audit_head_set_aside_total 1$/m);
    assert.match(g.text(), /^warden_audit_events_total\{kind="head_set_aside"\} 1$/m);
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('HEAD.lost.')).length, 1);
  });
});

describe('a log written before keyed mode', () => {
  test('still verifies as it was (--unkeyed), and the start that generates the key continues it keyed in a new file', () => {
    const dir = plainLog(5);
    assert.deepEqual(verifyAuditLog(dir).problems, []);
    const filesBefore = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
    const g = gateway();
    const log = g.open(dir);
    log.append(sampleRecord(5));
    log.close();
    const filesAfter = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
    assert.equal(filesAfter.length, filesBefore.length + 1, 'the keyed records start a file of their own');
    assert.ok(g.lines.some((l) => l.level === 'info' && l.audit_event === 'keyed_from_here'));
    assert.equal(headAlg(dir), 'hmac-sha256');
    const res = verifyKeyed(dir);
    assert.deepEqual(res.problems, []);
    assert.equal(res.lastSeq, 6);
    // A restart continues normally.
    gateway().open(dir).close();
    assert.deepEqual(verifyKeyed(dir).problems, []);
  });

  test('is sealed by the first keyed start even before a keyed record: a forged unkeyed append after it fails', () => {
    const dir = plainLog(3);
    gateway().open(dir).close();
    assert.deepEqual(verifyKeyed(dir).problems, [], 'the sealed unkeyed log verifies under the key');
    forgeAppend(dir, PLAIN);
    assert.equal(verifyKeyed(dir).ok, false);
    assert.throws(() => gateway().open(dir), /does not verify/);
  });

  test('is not adopted by a later start (the key already exists): an unkeyed rewrite could not be told apart', () => {
    const dir = plainLog(3);
    const keyed = newDir();
    gateway().open(keyed).close();
    const g = gateway();
    assert.throws(
      () => openConfiguredAuditLog({ dir, key_file: defaultKeyFile(keyed), max_file_bytes: 1200, fsync: 'never' }, '/', { log: createLogger('silent'), events: g.metrics.auditEvents, headSetAside: g.metrics.auditHeadSetAside }),
      /written with another key, or without one/,
    );
  });

  test('is not adopted under a configured audit.hmac_key either', () => {
    const dir = plainLog(3);
    const g = gateway();
    assert.throws(
      () => openConfiguredAuditLog({ dir, hmac_key: 'configured-key-0123456789', max_file_bytes: 1200, fsync: 'never' }, '/', { log: createLogger('silent'), events: g.metrics.auditEvents, headSetAside: g.metrics.auditHeadSetAside }),
      /does not verify/,
    );
  });

  test('the lock taken by a failed adoption is released', () => {
    const dir = plainLog(1);
    const g = gateway();
    assert.throws(() => openConfiguredAuditLog({ dir, hmac_key: 'configured-key-0123456789', max_file_bytes: 1200, fsync: 'never' }, '/', { log: createLogger('silent'), events: g.metrics.auditEvents, headSetAside: g.metrics.auditHeadSetAside }));
    lockAuditDir(dir).release();
  });
});
