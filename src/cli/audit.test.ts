import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAuditLog } from '../audit/chain-writer.js';
import { auditFiles, readLines, sampleRecord, tempDir } from '../audit/fixtures/records.js';
import type { ChainedRecord } from '../audit/types.js';
import { auditCommand, type AuditCommandContext } from './audit.js';

function makeLog(n: number, hmacKey?: string): string {
  const dir = tempDir();
  const log = openAuditLog({ dir, maxFileBytes: 1500, hmacKey });
  for (let i = 0; i < n; i++) log.append(sampleRecord(i));
  log.close();
  return dir;
}

async function run(argv: string[], ctx: Partial<AuditCommandContext> & { auditDir: string }) {
  let out = '';
  let err = '';
  const code = await auditCommand(argv, { out: (s) => (out += s), err: (s) => (err += s), ...ctx });
  return { code, out, err, lines: out.split('\n').filter(Boolean) };
}

describe('warden audit verify', () => {
  test('clean log: one summary line, exit 0', async () => {
    const r = await run(['verify', '--unkeyed'], { auditDir: makeLog(8) });
    assert.equal(r.code, 0);
    assert.deepEqual(r.lines, [`audit log OK: 8 record(s) in ${r.out.match(/in (\d+) file/)![1]} file(s), chain intact up to seq 8`]);
  });

  test('tampered log: each problem with file:line, exit 1', async () => {
    const dir = makeLog(8);
    const f = auditFiles(dir)[1]!;
    const lines = readLines(f);
    writeFileSync(f, [lines[0]!.replace('"status":200', '"status":201'), ...lines.slice(1)].map((l) => l + '\n').join(''));
    const r = await run(['verify', '--unkeyed'], { auditDir: dir });
    assert.equal(r.code, 1);
    assert.match(r.lines[0]!, /^audit-000002\.jsonl:1 seq \d+ edited: content does not match its hash/);
    assert.match(r.lines[r.lines.length - 1]!, /^audit log FAILED: 1 problem\(s\)/);
    const j = await run(['verify', '--unkeyed', '--json'], { auditDir: dir });
    assert.equal(j.code, 1);
    assert.equal((JSON.parse(j.out) as { ok: boolean }).ok, false);
  });

  test('keyed log: the context key decides', async () => {
    const dir = makeLog(3, 'secret');
    assert.equal((await run(['verify'], { auditDir: dir, hmacKey: 'secret' })).code, 0);
    const wrong = await run(['verify'], { auditDir: dir, hmacKey: 'other' });
    assert.equal(wrong.code, 1);
    assert.ok(!wrong.out.includes('other') && !wrong.out.includes('secret'), 'keys never appear in output');
  });
});

describe('warden audit tail', () => {
  test('-n N prints N human lines; --json prints JSONL', async () => {
    const dir = makeLog(12);
    const r = await run(['tail', '-n', '3'], { auditDir: dir });
    assert.equal(r.code, 0);
    assert.equal(r.lines.length, 3);
    assert.match(r.lines[0]!, /^2025-01-01T00:00:09\.000Z #10 llm POST \/v1\/messages error 200 consumer=alice key=key_0 .* cost=\$0.001107 .*error=WARDEN_E_UPSTREAM_TIMEOUT tools=Bash,Read$/);
    const j = await run(['tail', '--json'], { auditDir: dir });
    assert.deepEqual(j.lines.map((l) => (JSON.parse(l) as ChainedRecord).seq), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  test('control characters in logged values cannot reach the terminal', async () => {
    const dir = tempDir();
    const log = openAuditLog({ dir, maxFileBytes: 1500 });
    log.append(sampleRecord(1, { route: '/x\u001b[2J\nforged line', consumer: 'eve\r' }));
    log.close();
    const r = await run(['tail'], { auditDir: dir });
    assert.equal(r.lines.length, 1);
    assert.ok(!/[\u0000-\u001f]/.test(r.lines[0]!));
  });

  test('-f prints new records until stopped', { timeout: 10_000 }, async () => {
    const dir = makeLog(2);
    const log = openAuditLog({ dir, maxFileBytes: 1500 });
    const ac = new AbortController();
    let out = '';
    const done = auditCommand(['tail', '-n', '1', '-f', '--json'], {
      auditDir: dir, signal: ac.signal, err: () => {},
      out: (s) => {
        out += s;
        if ((JSON.parse(s) as ChainedRecord).seq === 4) ac.abort();
      },
    });
    log.append(sampleRecord(2));
    log.append(sampleRecord(3));
    assert.equal(await done, 0);
    log.close();
    assert.deepEqual(out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as ChainedRecord).seq), [2, 3, 4]);
  });
});

describe('warden audit search', () => {
  test('filters combine; --json and human output; count on stderr', async () => {
    const dir = makeLog(30);
    const r = await run(['search', '--consumer', 'bob', '--decision', 'deny', '--json'], { auditDir: dir });
    assert.equal(r.code, 0);
    const got = r.lines.map((l) => JSON.parse(l) as ChainedRecord);
    assert.ok(got.length > 0);
    for (const g of got) assert.deepEqual([g.consumer, g.decision], ['bob', 'deny']);
    const h = await run(['search', '--status', '403', '--since', '2025-01-01T00:00:10Z', '--limit', '2'], { auditDir: dir });
    assert.equal(h.lines.length, 2);
    for (const l of h.lines) assert.match(l, / deny 403 .*reason="denied \\"quoted\\" ünïcödé \d+"$/);
    assert.match(h.err, /^2 record\(s\) \(the last 2 matches/);
  });

  test('bad usage exits 2 with the usage text', async () => {
    const dir = makeLog(1);
    for (const argv of [[], ['nope'], ['search', '--decision', 'maybe'], ['search', '--since', 'yesterday'], ['tail', '-n', 'x'], ['search', '--bogus']]) {
      const r = await run(argv, { auditDir: dir });
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /usage:/);
    }
  });
});

describe('one audit chain per worker (warden start --workers N)', () => {
  /** worker-1 holds the even records, worker-2 the odd ones, as two workers serving in turn write them. */
  function workerChains(n: number): string {
    const dir = tempDir();
    for (const slot of [1, 2]) {
      const log = openAuditLog({ dir: join(dir, `worker-${slot}`), maxFileBytes: 1500 });
      for (let i = slot - 1; i < n; i += 2) log.append(sampleRecord(i));
      log.close();
    }
    return dir;
  }

  test('verify checks every chain; a problem names its chain; tail and search merge by time', async () => {
    const dir = workerChains(12);
    const ok = await run(['verify', '--unkeyed'], { auditDir: dir });
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.lines[0]!, /^audit log OK: 12 record\(s\) in \d+ file\(s\), 2 chains intact \(worker-1 up to seq 6, worker-2 up to seq 6\)$/);

    const tail = await run(['tail', '-n', '4', '--json'], { auditDir: dir });
    const times = tail.lines.map((l) => (JSON.parse(l) as ChainedRecord).time);
    assert.deepEqual(times, [...times].sort());
    assert.deepEqual(times, [8, 9, 10, 11].map((i) => sampleRecord(i).time), 'the newest four of both chains');

    const found = await run(['search', '--limit', '3', '--json'], { auditDir: dir });
    assert.deepEqual(found.lines.map((l) => (JSON.parse(l) as ChainedRecord).time), [9, 10, 11].map((i) => sampleRecord(i).time));

    const f = auditFiles(join(dir, 'worker-2'))[0]!;
    const lines = readLines(f);
    writeFileSync(f, [lines[0]!.replace('"time":"2025-01-01', '"time":"2025-01-02'), ...lines.slice(1)].map((l) => l + '\n').join(''));
    const bad = await run(['verify', '--unkeyed'], { auditDir: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.lines[0]!, /^worker-2\/audit-000001\.jsonl:1 seq 1 edited/);
  });
});
