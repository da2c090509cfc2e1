/**
 * The quick start's TLS: without `postgres.tls`, a door on loopback makes a self-signed
 * certificate (openssl) beside the audit folder, key 0600 in a 0700 folder, so psql's
 * `sslmode=require` works; a restart serves the same certificate. Off loopback, or with
 * `self_signed_tls: false`, nothing is generated; a key others can read is replaced.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doorCertificate } from '../../src/doors/postgres/tls.js';
import { psql, startPgWarden, testDatabase } from '../support/pg.js';

describe('postgres door: self-signed certificate for the quick start', { timeout: 120_000 }, () => {
  let db: Awaited<ReturnType<typeof testDatabase>>;
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-qs-'));

  before(async () => {
    db = await testDatabase('qstls');
  });
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('sslmode=require works out of the box; the key is 0600; a restart keeps the certificate', async () => {
    const certs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const w = await startPgWarden({ roles: [{ groups: ['data-reader'], user: db.reader }] }, {}, { dir });
      try {
        const key = w.key(`quinn${i}`, { groups: ['data-reader'] }).key;
        const r = await psql(w.pgPort, { user: `quinn${i}`, password: key, db: db.name, sslmode: 'require' }, ['\\conninfo', 'SELECT count(*) FROM items']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /SSL connection \(protocol: TLSv1\.[23]/);
        assert.match(r.stdout, /^50$/m);
      } finally {
        await w.close();
      }
      const tlsDir = join(dir, 'postgres-tls');
      assert.equal(statSync(tlsDir).mode & 0o777, 0o700);
      assert.equal(statSync(join(tlsDir, 'key.pem')).mode & 0o777, 0o600);
      certs.push(readFileSync(join(tlsDir, 'cert.pem'), 'utf8'));
    }
    assert.match(certs[0]!, /BEGIN CERTIFICATE/);
    assert.equal(certs[1], certs[0]);
  });

  test('off loopback or switched off nothing is generated; a key others can read is replaced', () => {
    const audit = join(dir, 'other', 'audit');
    const warn: string[] = [];
    const log = (m: string) => warn.push(m);
    assert.equal(doorCertificate({ self_signed_tls: true, listen: { host: '0.0.0.0' } }, audit, log), undefined);
    assert.equal(doorCertificate({ self_signed_tls: false, listen: { host: '127.0.0.1' } }, audit, log), undefined);
    assert.equal(existsSync(join(dir, 'other', 'postgres-tls')), false);
    const configured = { cert: 'C', key: 'K' };
    assert.equal(doorCertificate({ tls: configured, self_signed_tls: true, listen: { host: '0.0.0.0' } }, audit, log), configured);
    const first = doorCertificate({ self_signed_tls: true, listen: { host: '::1' } }, audit, log)!;
    assert.match(first.key, /PRIVATE KEY/);
    chmodSync(join(dir, 'other', 'postgres-tls', 'key.pem'), 0o644);
    const second = doorCertificate({ self_signed_tls: true, listen: { host: 'localhost' } }, audit, log)!;
    assert.notEqual(second.cert, first.cert);
    assert.equal(statSync(join(dir, 'other', 'postgres-tls', 'key.pem')).mode & 0o777, 0o600);
    assert.deepEqual(warn, []);
  });
});
