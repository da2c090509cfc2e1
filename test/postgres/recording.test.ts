/**
 * Session recording: who, from where, database, role; every query, parse, bind, execute,
 * decision, result summary and error lands in the hash-chained audit log (statement texts
 * masked, no result rows), and `warden sessions replay <id>` prints the transcript.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readAuditRecords } from '../support/audit-records.js';
import { runCli } from '../support/cli-process.js';
import { psql, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

describe('postgres door: session recording and replay', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;
  let closed = false;
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-rec-'));

  before(async () => {
    db = await testDatabase('rec');
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }] }, {}, { dir });
    key = w.key('rob', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    if (!closed) await w?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a psql session and a node-postgres session are recorded and replayed', async () => {
    const r = await psql(w.pgPort, { user: 'rob', password: key, db: db.name }, ["SELECT owner FROM cards WHERE card = '4111111111111111'", 'DELETE FROM cards', 'SELECT nope FROM cards']);
    assert.match(r.stderr, /Warden denied/);
    const c = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user: 'rob', password: key, database: db.name });
    await c.connect();
    await c.query({ name: 'one', text: 'SELECT id FROM items WHERE id < $1', values: [4] });
    await c.end();
    await new Promise((res) => setTimeout(res, 200));
    await w.close();
    closed = true;

    const records = readAuditRecords(w.auditDir).filter((x) => x.door === 'postgres');
    const sessions = [...new Set(records.map((x) => x.session_id))];
    assert.equal(sessions.length, 2);
    const text = JSON.stringify(records);
    // The literal card number in the statement is masked before it is recorded; keys never appear.
    assert.doesNotMatch(text, /4111111111111111/);
    assert.doesNotMatch(text, new RegExp(key));
    const psqlSession = records.filter((x) => x.session_id === sessions[0]);
    const kinds = psqlSession.flatMap((x) => x.pg!.events.map((e) => e.kind));
    for (const k of ['open', 'query', 'decision', 'result', 'error', 'close']) assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
    assert.ok(psqlSession.some((x) => x.decision === 'deny' && x.consumer === 'rob'));

    const cfg = join(w.dir, 'warden.yaml');
    writeFileSync(cfg, `store:\n  driver: sqlite\n  path: ${join(w.dir, 'warden.db')}\naudit:\n  dir: ${w.auditDir}\n`);
    const replay = await runCli(['--config', cfg, 'sessions', 'replay', sessions[0]!]);
    assert.equal(replay.code, 0, replay.stderr);
    const out = replay.stdout;
    assert.match(out, new RegExp(`session ${sessions[0]} · consumer rob`));
    assert.match(out, new RegExp(`session opened from 127\\.0\\.0\\.1 to database ${db.name} as role ${db.reader}`));
    assert.match(out, /query\s+DELETE FROM cards\n.*deny\s+rule:postgres-preset\.reader-only-reads/);
    assert.match(out, /result\s+SELECT 1, 1 rows/);
    assert.match(out, /error\s+42703 column "nope" does not exist/);
    assert.match(out, /session closed/);
    const ext = await runCli(['--config', cfg, 'sessions', 'replay', sessions[1]!]);
    assert.match(ext.stdout, /parse\s+\[one\] SELECT id FROM items WHERE id < \$1/);
    assert.match(ext.stdout, /bind\s+portal "" ← statement "one" \(1 parameters\)/);
    assert.match(ext.stdout, /result\s+SELECT 3, 3 rows/);
    const missing = await runCli(['--config', cfg, 'sessions', 'replay', 'pgs_doesnotexist']);
    assert.equal(missing.code, 1);
  });
});
