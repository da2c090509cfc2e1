/**
 * TLS at the door (a certificate made with openssl, as the quick start does) and Warden's
 * SCRAM-SHA-256 login to a throwaway PostgreSQL cluster whose pg_hba demands it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { selfSignedCertificate } from '../../src/doors/postgres/tls.js';
import { psql, RawClient, run, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
};
const SSL_REQUEST = Buffer.concat([int32(8), int32(80877103)]);

describe('postgres door: TLS', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let strict: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-tls-'));

  before(async () => {
    db = await testDatabase('tls');
    const paths = selfSignedCertificate(dir);
    const tls = { cert: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8') };
    w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }], tls });
    strict = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }], tls, require_tls: 'always' });
    key = w.key('tess', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    await w?.close();
    await strict?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('psql with sslmode=verify-full against the generated certificate', async () => {
    const r = await psql(w.pgPort, { user: 'tess', password: key, db: db.name, sslmode: 'verify-full', extra: `sslrootcert=${join(dir, 'cert.pem')}` }, ['SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', 'SELECT 7']);
    assert.equal(r.code, 0, r.stderr);
    // Warden's own upstream hop is local and in clear; the client's hop is what TLS protects.
    assert.deepEqual(r.stdout.trim().split('\n'), ['f', '7']);
  });

  test('require_tls: always refuses a client that does not encrypt', async () => {
    const sk = strict.key('tess', { groups: ['data-reader'] }).key;
    const r = await psql(strict.pgPort, { user: 'tess', password: sk, db: db.name, sslmode: 'disable' }, ['SELECT 1']);
    assert.match(r.stderr, /FATAL:\s+this Warden door requires TLS/);
    const ok = await psql(strict.pgPort, { user: 'tess', password: sk, db: db.name, sslmode: 'require' }, ['SELECT 1']);
    assert.equal(ok.stdout.trim(), '1', ok.stderr);
  });

  test('a second SSLRequest inside TLS is refused; bytes sent behind an SSLRequest are refused', async () => {
    const c = await RawClient.connect(w.pgPort);
    c.write(SSL_REQUEST);
    assert.equal(await c.oneByte(), 'S');
    const t = tlsConnect({ socket: c.socket, rejectUnauthorized: false });
    await new Promise<void>((ok) => t.once('secureConnect', () => ok()));
    t.write(SSL_REQUEST);
    const answer = await new Promise<string>((ok) => t.once('data', (b: Buffer) => ok(b.toString('latin1'))));
    assert.match(answer, /second SSLRequest/);
    t.destroy();
    const d = await RawClient.connect(w.pgPort);
    d.write(Buffer.concat([SSL_REQUEST, Buffer.from('Q\0\0\0\rSELECT 1\0')]));
    const out = await new Promise<string>((ok) => {
      let all = '';
      d.socket.on('data', (b: Buffer) => (all += b.toString('latin1')));
      d.socket.on('close', () => ok(all));
    });
    assert.match(out, /data received after SSLRequest/);
  });
});

const pgBin = (() => {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const v = readdirSync(base).sort().pop();
  return v && existsSync(join(base, v, 'bin', 'initdb')) ? join(base, v, 'bin') : undefined;
})();

describe('postgres door: SCRAM-SHA-256 upstream', { timeout: 120_000, skip: pgBin ? false : 'no initdb/pg_ctl (postgresql server package) on this machine' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-scram-'));
  let port = 0;
  let w: PgWarden | undefined;
  let started = false;
  let stop = () => undefined as unknown;

  before(async () => {
    port = await new Promise<number>((ok) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => ok(p));
      });
    });
    const data = join(dir, 'data');
    writeFileSync(join(dir, 'pw'), 'owner-secret\n');
    // initdb refuses to run as root: as root, the cluster belongs to the postgres account.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) spawnSync('chown', ['-R', 'postgres:', dir]);
    const pgCmd = (cmd: string, args: string[]) => (asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', join(pgBin!, cmd), ...args], { encoding: 'utf8', timeout: 60_000 }) : spawnSync(join(pgBin!, cmd), args, { encoding: 'utf8', timeout: 60_000 }));
    stop = () => pgCmd('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    const init = pgCmd('initdb', ['-D', data, '-U', 'owner', '--pwfile', join(dir, 'pw'), '--auth=scram-sha-256', '-E', 'UTF8']);
    assert.equal(init.status, 0, init.stderr);
    writeFileSync(join(data, 'pg_hba.conf'), 'host all all 127.0.0.1/32 scram-sha-256\nlocal all all scram-sha-256\n');
    const start = pgCmd('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
    assert.equal(start.status, 0, start.stderr + start.stdout);
    started = true;
    const mk = await run('psql', ['-X', '-At', `host=127.0.0.1 port=${port} user=owner dbname=postgres`, '-c', "CREATE ROLE agent_ro LOGIN PASSWORD 'ro-secret'"], { PGPASSWORD: 'owner-secret' });
    assert.equal(mk.code, 0, mk.stderr);
  });
  after(async () => {
    await w?.close();
    if (started) stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Warden logs in with SCRAM; the client never sees the upstream password', async () => {
    w = await startPgWarden({ upstream: { port, user: 'owner', password: 'nope' }, roles: [{ groups: ['data-reader'], user: 'agent_ro', password: 'ro-secret' }] });
    const key = w.key('sam', { groups: ['data-reader'] }).key;
    const r = await psql(w.pgPort, { user: 'sam', password: key, db: 'postgres' }, ['SELECT current_user']);
    assert.equal(r.stdout.trim(), 'agent_ro', r.stderr);
    // The consumer with no mapped group falls back to upstream.user, whose password is wrong: refused without the server's words.
    const other = w.key('nina', { groups: [] }).key;
    const bad = await psql(w.pgPort, { user: 'nina', password: other, db: 'postgres' }, ['SELECT 1']);
    assert.match(bad.stderr, /FATAL:\s+Warden could not log in to PostgreSQL/);
    assert.doesNotMatch(bad.stderr, /nope|owner/);
  });
});
