/**
 * The PostgreSQL door with psql (Debian's postgresql-client) against the real server:
 * a Warden key as password, reads pass, refused statements answer 42501 and the session
 * stays usable, transactions keep client and server in step, startup tricks are dropped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminSql, psql, run, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

describe('postgres door: psql', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;

  before(async () => {
    db = await testDatabase('psql');
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }, { groups: ['data-writer'], user: db.writer }], default_role: 'refuse' });
    key = w.key('alice', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  const as = (sqls: string[], o: Partial<{ user: string; password: string; sslmode: string; extra: string }> = {}, env: Record<string, string> = {}) =>
    psql(w.pgPort, { user: o.user ?? 'alice', password: o.password ?? key, db: db.name, ...(o.sslmode && { sslmode: o.sslmode }), ...(o.extra && { extra: o.extra }) }, sqls, env);

  test('a read passes through, as the mapped upstream role', async () => {
    const r = await as(['SELECT owner FROM cards ORDER BY id', 'SELECT current_user']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['ann', 'bob', db.reader]);
  });

  test('a refused statement is 42501 with a clear message; the next statement in the same session runs', async () => {
    const r = await as(['DELETE FROM cards WHERE id = 1', 'SELECT count(*) FROM cards']);
    assert.match(r.stderr, /ERROR:\s+Warden denied this statement \(rule rule:postgres-preset\.reader-only-reads\): group data-reader may only read/);
    assert.equal(r.stdout.trim(), '2');
    assert.equal(await adminSql('SELECT count(*) FROM cards', db.name), '2');
  });

  test('always-blocked statements are refused even for a role the server would let do them', async () => {
    for (const sql of ['DROP DATABASE postgres', 'DrOp/**/DaTaBaSe postgres', 'ALTER USER postgres WITH PASSWORD $$x$$', "SELECT pg_read_file('/etc/passwd')", "COPY cards TO PROGRAM 'cat'"]) {
      const r = await as([sql, 'SELECT 1']);
      assert.match(r.stderr, /ERROR:\s+Warden denied this statement/, sql);
      assert.equal(r.stdout.trim(), '1', sql);
    }
  });

  test('inside a transaction a refusal aborts it on both sides: the client sees the same state as the server', async () => {
    const r = await as(['BEGIN', 'SELECT 1', 'DELETE FROM cards', 'SELECT 2', 'ROLLBACK', 'SELECT 3']);
    assert.match(r.stderr, /Warden denied this statement/);
    assert.match(r.stderr, /current transaction is aborted/);
    assert.deepEqual(r.stdout.trim().split('\n'), ['BEGIN', '1', 'ROLLBACK', '3']);
  });

  test('a wrong key, a user that is not the key\'s consumer, and a missing group are refused at login', async () => {
    const bad = await as(['SELECT 1'], { password: 'wdn_' + 'x'.repeat(42) });
    assert.match(bad.stderr, /FATAL:\s+WARDEN_E_AUTH_INVALID/);
    const other = await as(['SELECT 1'], { user: 'bob' });
    assert.match(other.stderr, /FATAL:\s+user "bob" does not match the credential, which belongs to consumer alice/);
    const nogroup = w.key('carol', { groups: ['marketing'] }).key;
    const r = await as(['SELECT 1'], { user: 'carol', password: nogroup });
    assert.match(r.stderr, /FATAL:\s+consumer carol is in no group that postgres\.roles maps/);
    const token = await as(['SELECT 1'], { password: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.' });
    assert.match(token.stderr, /FATAL:\s+WARDEN_E_(AUTH_INVALID|TOKEN_\w+)/);
  });

  test('pgbench -S runs through the door in every protocol mode', async () => {
    // pgbench's -S script needs pgbench_accounts; this one reads the test table the same way.
    const dir = mkdtempSync(join(tmpdir(), 'warden-pgbench-'));
    const script = join(dir, 'select.sql');
    writeFileSync(script, '\\set id random(1, 50)\nSELECT name FROM items WHERE id = :id;\n');
    try {
      for (const mode of ['simple', 'extended', 'prepared']) {
        const r = await run('pgbench', ['-h', '127.0.0.1', '-p', String(w.pgPort), '-U', 'alice', '-c', '2', '-t', '50', '-M', mode, '-n', '-f', script, db.name], { PGPASSWORD: key }, 60_000);
        assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
        assert.match(r.stdout, /number of transactions actually processed: 100\/100/, mode);
        assert.match(r.stdout, /number of failed transactions: 0/, mode);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('startup options and replication are dropped: options=-c role=… does not change the upstream role', async () => {
    const r = await as(['SELECT current_user, current_setting(\'search_path\')'], {}, { PGOPTIONS: `-c role=postgres -c search_path=evil` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${db.reader}|"$user", public`);
    const rep = await as(['SELECT 1'], { extra: 'replication=database' });
    assert.equal(rep.stdout.trim(), '1', rep.stderr);
  });
});
