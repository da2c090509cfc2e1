import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { openAuditLog } from './chain-writer.js';
import { currentHolder, type LockHolder } from './lock-identity.js';
import { LOCK_STALE_MS, lockAuditDir } from './lock.js';
import { sampleRecord, tempDir } from './fixtures/records.js';

/**
 * The LOCK names its holder by host, boot id, pid namespace, pid and process start time. In
 * containers every replica is pid 1: a pid alone made a second writer take a live lock over.
 */

const me = currentHolder('test');
const linux = me.boot_id !== '' && me.pidns !== '' && me.start !== '';
const OTHER_BOOT = '00000000-1111-2222-3333-444444444444';

function withLock(content: string, ageMs = 0): string {
  const dir = tempDir();
  const path = join(dir, 'LOCK');
  writeFileSync(path, content);
  if (ageMs) {
    const t = new Date(Date.now() - ageMs);
    utimesSync(path, t, t);
  }
  return dir;
}

const holder = (over: Partial<LockHolder>) => JSON.stringify({ ...me, nonce: 'someone-else', ...over });

interface Case {
  name: string;
  lock: string;
  ageMs?: number;
  /** Refused (a live writer) or taken over (stale). */
  refused: boolean;
}

const CASES: Case[] = [
  { name: 'same pid, another boot id (another machine or container host), refreshed just now', lock: holder({ boot_id: OTHER_BOOT }), refused: true },
  { name: 'same pid, same boot, another pid namespace (a second container on this host), refreshed just now', lock: holder({ pidns: 'pid:[1]' }), refused: true },
  { name: 'pid 1 on another host, refreshed 10 s ago', lock: holder({ host: 'replica-b', boot_id: OTHER_BOOT, pid: 1 }), ageMs: 10_000, refused: true },
  { name: 'same pid, another boot id, not refreshed for longer than the stale limit', lock: holder({ boot_id: OTHER_BOOT }), ageMs: LOCK_STALE_MS + 30_000, refused: false },
  { name: 'same pid, another pid namespace, not refreshed for longer than the stale limit', lock: holder({ pidns: 'pid:[1]' }), ageMs: LOCK_STALE_MS + 30_000, refused: false },
  { name: 'a dead pid on this boot and pid namespace', lock: holder({ pid: 2147483646 }), refused: false },
  { name: 'a lock written by an older Warden (pid only) of a dead process', lock: '2147483646', refused: false },
  { name: 'a lock written by an older Warden (pid only) naming this pid (a restarted container)', lock: String(process.pid), refused: false },
  { name: 'a damaged lock', lock: '{"v":1,"host":', refused: false },
];
if (linux) {
  CASES.push(
    { name: 'same pid, same boot and pid namespace, another start time (the pid was reused: the writer is gone)', lock: holder({ start: String(Number(me.start) - 1) }), refused: false },
    { name: 'this very process (same pid and start time) under another nonce', lock: holder({}), refused: true },
  );
}

describe('audit LOCK: who holds it', () => {
  for (const c of CASES) {
    test(`${c.name}: ${c.refused ? 'refused' : 'taken over'}`, () => {
      const dir = withLock(c.lock, c.ageMs);
      if (c.refused) {
        assert.throws(() => lockAuditDir(dir), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'WARDEN_E_CONFIG_INVALID');
          assert.match(e.message, /already written by (pid|process) \d+/);
          return true;
        });
        assert.equal(readFileSync(join(dir, 'LOCK'), 'utf8'), c.lock, 'a refused start leaves the lock alone');
      } else {
        const lock = lockAuditDir(dir);
        assert.equal((JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as LockHolder).pid, process.pid);
        lock.release();
        assert.equal(existsSync(join(dir, 'LOCK')), false);
      }
    });
  }

  test('a live second writer (another process) is refused by name; once it is killed, its lock is taken over', { timeout: 20_000 }, async () => {
    const here = fileURLToPath(import.meta.url);
    const ext = extname(here);
    const dir = tempDir();
    const child = spawn(process.execPath, [...(ext === '.ts' ? process.execArgv : []), join(dirname(here), 'fixtures', `hold-lock${ext}`), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (d: string) => {
          out += d;
          const m = /locked (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error('the child ended before taking the lock')));
      });
      assert.throws(() => openAuditLog({ dir, maxFileBytes: 1 << 20 }), new RegExp(`already written by pid ${pid} on host `));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      openAuditLog({ dir, maxFileBytes: 1 << 20 }).close();
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('release never deletes a lock another writer has taken over', () => {
    const dir = tempDir();
    const lock = lockAuditDir(dir);
    const theirs = holder({ boot_id: OTHER_BOOT });
    writeFileSync(join(dir, 'LOCK'), theirs);
    lock.release();
    assert.equal(readFileSync(join(dir, 'LOCK'), 'utf8'), theirs);
  });

  test('a holder whose lock was taken over hears of it at its next heartbeat', async () => {
    const dir = tempDir();
    const lost: string[] = [];
    const lock = lockAuditDir(dir, (d) => lost.push(d), 20);
    writeFileSync(join(dir, 'LOCK'), holder({ boot_id: OTHER_BOOT }));
    for (let i = 0; i < 100 && lost.length === 0; i++) await sleep(20);
    lock.release();
    assert.equal(lost.length, 1);
    assert.match(lost[0]!, /another writer took it over/);
  });

  test('a writer whose lock was taken over stops writing and says why', async () => {
    const dir = tempDir();
    const events: string[] = [];
    const log = openAuditLog({ dir, maxFileBytes: 1 << 20, lockHeartbeatMs: 20, onEvent: (e) => events.push(e.kind) });
    log.append(sampleRecord(1));
    writeFileSync(join(dir, 'LOCK'), holder({ boot_id: OTHER_BOOT }));
    for (let i = 0; i < 100 && events.length === 0; i++) await sleep(20);
    assert.deepEqual(events, ['lock_lost']);
    assert.throws(() => log.append(sampleRecord(2)), /audit record not written: .*another writer took it over/);
    log.close();
    assert.ok(existsSync(join(dir, 'LOCK')), 'the other writer\'s LOCK stays');
  });

  test('the holder refreshes the lock, so a live writer elsewhere is never judged stale', async () => {
    const dir = tempDir();
    const path = join(dir, 'LOCK');
    const lock = lockAuditDir(dir, undefined, 20);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(path, old, old);
    for (let i = 0; i < 100 && Date.now() - statSync(path).mtimeMs > 60_000; i++) await sleep(20);
    assert.ok(Date.now() - statSync(path).mtimeMs < 60_000, 'the heartbeat did not touch LOCK');
    lock.release();
  });
});
