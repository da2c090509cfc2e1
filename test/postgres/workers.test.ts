/**
 * The PostgreSQL door under `warden start --workers 2` (the real CLI as a process tree, real
 * clients, the real server). A CancelRequest arrives on a new connection, which the cluster
 * may hand to the worker that does not hold the session: every one of several postgres.js
 * `query.cancel()`s and psql SIGINTs must still cancel its `pg_sleep(30)`. A wrong key is
 * dropped and logged once, not once per worker. A key revoked with the CLI, and a config
 * consumer removed by a reload, end their live sessions on both workers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import postgres from 'postgres';
import { runCli, spawnCli, waitForOutput } from '../support/cli-process.js';
import { readAuditRecords } from '../support/audit-records.js';
import { adminSql, testDatabase } from '../support/pg.js';

/** Bounded waits: what is tested is that each happens, not how fast. */
const WITHIN_MS = 10_000;
const SESSIONS = 6;
const PSQLS = 2;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, sleep(WITHIN_MS).then(() => Promise.reject(new Error(`${what}: not within ${WITHIN_MS} ms`)))]);
}

const config = (reader: string, withCleo: boolean) => `models:
  - { match: "claude-*", provider: mock }
admin: { enabled: false }
bootstrap_key: false
logging: { level: info }
policy:
  rules:
    # pg_sleep holds the connection: restricted, it needs a rule of its own (docs/postgres-policy.md).
    - { id: sleep, action: allow, when: 'sql != null && sql.statements.all(s, s.functions == ["pg_sleep"])' }
consumers:
  - { name: pat, groups: [data-reader] }
${withCleo ? '  - { name: cleo, groups: [data-reader] }\n' : ''}postgres:
  listen: { port: 0 }
  upstream: { user: postgres }
  roles: [{ groups: [data-reader], user: ${reader} }]
`;

/** A CancelRequest (code 80877102) with the given pid and key, on its own connection. */
function rawCancel(port: number, pid: number, key: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const b = Buffer.alloc(12 + key.length);
    b.writeInt32BE(b.length, 0);
    b.writeInt32BE(80877102, 4);
    b.writeInt32BE(pid, 8);
    key.copy(b, 12);
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.end(b);
  });
}

async function activeSleeps(database: string): Promise<number> {
  return Number(await adminSql(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${database}' AND state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'`));
}

test('warden start --workers 2: cancels reach the worker holding the session; revocation ends sessions on every worker', { timeout: 180_000 }, async () => {
  const db = await testDatabase('workers');
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-workers-'));
  const cfg = join(dir, 'warden.yaml');
  writeFileSync(cfg, config(db.reader, true));
  const cli = (args: string[]) => runCli(['--config', cfg, ...args], { cwd: dir, timeoutMs: 60_000 });
  let child: ChildProcess | undefined;
  const clients: postgres.Sql[] = [];
  const pgClients: pg.Client[] = [];
  /** Four sessions of `user`, each answering once (spread over the workers); each promise is the error that ends it. */
  const liveSessions = async (port: number, user: string, password: string): Promise<Promise<{ code?: string; message: string }>[]> => {
    const ends: Promise<{ code?: string; message: string }>[] = [];
    for (let i = 0; i < 4; i++) {
      const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: db.name });
      pgClients.push(c);
      ends.push(new Promise((res) => c.on('error', (e) => res(e))));
      await c.connect();
      await c.query('SELECT 1');
    }
    return ends;
  };
  try {
    const pat = (await cli(['keys', 'create', '--consumer', 'pat'])).stdout.trim();
    const cleo = (await cli(['keys', 'create', '--consumer', 'cleo'])).stdout.trim();
    assert.match(pat, /^wdn_/);
    child = spawnCli(['--config', cfg, 'start', '--workers', '2', '--port', '0'], { cwd: dir });
    let output = '';
    child.stderr!.on('data', (d) => (output += d));
    child.stdout!.on('data', (d) => (output += d));
    await waitForOutput(child, /Warden is listening \(2 workers\)/, 60_000);
    const port = Number(/"doors":\["postgres:\/\/127\.0\.0\.1:(\d+)"\]/.exec(output)![1]);

    // Cancels: one postgres.js client (one connection) per session, each cancelling its own query.
    for (let i = 0; i < SESSIONS; i++) clients.push(postgres({ host: '127.0.0.1', port, user: 'pat', pass: pat, database: db.name, ssl: false, max: 1, connect_timeout: 10, onnotice: () => undefined }));
    const queries = clients.map((sql) => sql`SELECT pg_sleep(30)`);
    const outcomes = queries.map((q) => q.then(() => 'finished', (e: { code?: string }) => e.code ?? String(e)));
    // And psql, which cancels on SIGINT (libpq's PQcancel, a CancelRequest on a new connection).
    const psqls = Array.from({ length: PSQLS }, () => {
      const p = spawn('psql', ['-X', '-At', `host=127.0.0.1 port=${port} user=pat dbname=${db.name} sslmode=disable`, '-c', 'SELECT pg_sleep(30)'], { env: { ...process.env, PGPASSWORD: pat }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      p.stderr!.on('data', (d) => (stderr += d));
      return { p, done: new Promise<string>((res) => p.once('close', (code) => res(`${code} ${stderr.trim()}`))) };
    });
    for (let i = 0; (await activeSleeps(db.name)) < SESSIONS + PSQLS; i++) {
      assert.ok(i < 100, 'every session is running its pg_sleep');
      await sleep(100);
    }
    const t0 = Date.now();
    for (const q of queries) void q.cancel();
    for (const { p } of psqls) p.kill('SIGINT');
    const codes = await within(Promise.all(outcomes), 'every query cancelled');
    assert.deepEqual(codes, new Array(SESSIONS).fill('57014'), 'each query ended by its cancel (57014 query_canceled)');
    for (const r of await within(Promise.all(psqls.map((x) => x.done)), 'every psql cancelled')) assert.match(r, /^1 [\s\S]*ERROR:  canceling statement due to user request/);
    const tookMs = Date.now() - t0;
    // The connections stay usable after a cancel.
    for (const sql of clients) assert.equal((await sql`SELECT 1 AS one`)[0]!.one, 1);

    // A wrong key: dropped by both workers, logged once per request by the worker that took it.
    const warned = () => output.split('postgres cancel request with an unknown key').length - 1;
    const before = warned();
    await rawCancel(port, randomInt(1, 0x7fffffff), randomBytes(4));
    await rawCancel(port, randomInt(1, 0x7fffffff), randomBytes(4));
    for (let i = 0; i < 100 && warned() < before + 2; i++) await sleep(100);
    await sleep(3_000); // longer than the primary's relay wait: a second log line per request would be here by now
    assert.equal(warned(), before + 2, 'one log line per wrong-key request');

    // Revocation with the CLI (another process writing the store): pat's sessions end on both workers.
    const ends = await liveSessions(port, 'pat', pat);
    const keyId = (JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as { id: string; consumer: string }[]).find((k) => k.consumer === 'pat')!.id;
    assert.equal((await cli(['keys', 'revoke', keyId])).code, 0);
    const revokedErrors = await within(Promise.all(ends), 'every session of the revoked key ended');
    for (const e of revokedErrors) assert.ok(e.code === '57P01' && e.message.includes('WARDEN_E_AUTH_REVOKED'), JSON.stringify(e));

    // A config consumer removed (the file rewritten; SIGHUP reloads every worker): cleo's sessions end.
    const cleoEnds = await liveSessions(port, 'cleo', cleo);
    writeFileSync(cfg, config(db.reader, false));
    child.kill('SIGHUP');
    const removedErrors = await within(Promise.all(cleoEnds), 'every session of the removed consumer ended');
    for (const e of removedErrors) assert.ok(e.code === '57P01' && e.message.includes('WARDEN_E_AUTH_CONSUMER_UNKNOWN'), JSON.stringify(e));

    child.kill('SIGTERM');
    assert.equal(await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c))), 0);
    const verified = await cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    // Both workers held sessions (each records its own in its own chain).
    for (const w of ['worker-1', 'worker-2']) assert.ok(readAuditRecords(join(dir, '.warden/audit', w)).some((r) => r.door === 'postgres'), `${w} held PostgreSQL sessions`);
    process.stderr.write(`# ${SESSIONS} postgres.js and ${PSQLS} psql cancels through 2 workers answered in ${tookMs} ms\n`);
  } finally {
    await Promise.all(clients.map((c) => c.end({ timeout: 1 }).catch(() => undefined)));
    await Promise.all(pgClients.map((c) => c.end().catch(() => undefined)));
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
