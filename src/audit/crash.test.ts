import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAuditLog } from './chain-writer.js';
import { verifyAuditLog } from './verify.js';
import { auditFiles, sampleRecord, tempDir } from './fixtures/records.js';
import { readFileSync } from 'node:fs';

const here = fileURLToPath(import.meta.url);
const ext = extname(here);
const child = join(dirname(here), 'fixtures', `append-loop${ext}`);
// Under tsx the child needs the same loader; compiled .js runs as it is.
const execArgv = ext === '.ts' ? process.execArgv : [];

/** Runs the appending child until it has acknowledged `killAfter` seqs, then SIGKILLs it. */
function runAndKill(dir: string, bodyBytes: number, maxFileBytes: number, killAfter: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...execArgv, child, dir, String(bodyBytes), String(maxFileBytes)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let acked = 0;
    const guard = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      out += d;
      acked += d.split('\n').length - 1;
      if (acked >= killAfter) p.kill('SIGKILL');
    });
    p.stderr.on('data', (d) => (err += String(d)));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') return reject(new Error(`child ended by itself (code ${code}): ${err}`));
      // Only newline-terminated prints count: a cut print could read as a smaller seq.
      const lines = out.split('\n');
      lines.pop();
      resolve(lines.map(Number));
    });
  });
}

function seqsInLog(dir: string): Set<number> {
  const seqs = new Set<number>();
  for (const f of auditFiles(dir)) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      try {
        seqs.add((JSON.parse(line) as { seq: number }).seq);
      } catch {
        // torn line: not a record
      }
    }
  }
  return seqs;
}

describe('kill -9 durability', { timeout: 90_000 }, () => {
  for (const [name, bodyBytes, maxFileBytes, killAfter] of [
    ['small records, frequent rotation', 0, 64 * 1024, 3000],
    ['200 KB records (each write spans many pages)', 200_000, 4 * 1024 * 1024, 150],
  ] as const) {
    test(`every acknowledged append survives SIGKILL: ${name}`, async () => {
      const dir = tempDir();
      const acked = await runAndKill(dir, bodyBytes, maxFileBytes, killAfter);
      assert.ok(acked.length >= killAfter, `only ${acked.length} acks`);
      const inLog = seqsInLog(dir);
      for (const s of acked) assert.ok(inLog.has(s), `acknowledged seq ${s} is not in the log`);

      // A write cut by the kill can only leave a torn last line; nothing else may be wrong.
      const res = verifyAuditLog(dir);
      const files = auditFiles(dir);
      const lastFile = files[files.length - 1]!.split('/').pop();
      for (const p of res.problems) {
        assert.equal(p.kind, 'torn', `unexpected problem after kill -9: ${JSON.stringify(p)}`);
        assert.equal(p.file, lastFile);
      }
      assert.ok(res.lastSeq >= acked[acked.length - 1]!);

      // The next writer continues the chain (in a new file if the last line was torn).
      const log = openAuditLog({ dir, maxFileBytes });
      const before = log.head().seq;
      assert.equal(before, res.lastSeq);
      log.append(sampleRecord(1));
      log.close();
      const again = verifyAuditLog(dir);
      assert.deepEqual(again.problems.map((p) => p.kind), res.problems.map((p) => p.kind));
      assert.equal(again.lastSeq, before + 1);
    });
  }
});
