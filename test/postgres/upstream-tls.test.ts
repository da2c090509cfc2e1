/**
 * TLS on Warden's hop to PostgreSQL, against a real second cluster (test/support/pg-tls-cluster.ts)
 * whose pg_hba rejects every connection not over TLS: verify-full with the right CA and name
 * works and the server itself reports the session as TLS; a wrong CA or name, or a server
 * without TLS, refuses the login; require encrypts without verifying; verify-ca checks the
 * chain, not the name; cancel requests work over the TLS hop. The plaintext default still
 * serves the loopback server of every other test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { psql, RawClient, serialize, startPgWarden, type PgWarden } from '../support/pg.js';
import { startTlsCluster, tlsClusterUnavailable, type TlsCluster } from '../support/pg-tls-cluster.js';

const unavailable = tlsClusterUnavailable();

describe('postgres door: TLS to the upstream', { timeout: 180_000, skip: unavailable }, () => {
  let cluster: TlsCluster;
  const wardens: PgWarden[] = [];

  before(async () => {
    cluster = await startTlsCluster();
  });
  after(async () => {
    for (const w of wardens) await w.close();
    cluster?.stop();
  });

  const door = async (tls: Record<string, unknown>) => {
    const w = await startPgWarden({ upstream: { host: '127.0.0.1', port: cluster.port, user: 'postgres', tls } });
    wardens.push(w);
    return { w, key: w.key('tess', { groups: ['data-reader'] }).key };
  };
  const SSL_ROW = "SELECT ssl::text || ' ' || version FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

  test('verify-full with the CA and the name on the certificate: the server sees a TLS session', async () => {
    const { w, key } = await door({ mode: 'verify-full', ca: cluster.ca, server_name: 'localhost' });
    const r = await psql(w.pgPort, { user: 'tess', password: key, db: 'postgres' }, [SSL_ROW, 'SELECT 40 + 2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^true TLSv1\.[23]\n42\n$/);
  });

  test('verify-full by IP address: the certificate carries IP 127.0.0.1', async () => {
    const { w, key } = await door({ mode: 'verify-full', ca: cluster.ca });
    const r = await psql(w.pgPort, { user: 'tess', password: key, db: 'postgres' }, [SSL_ROW]);
    assert.match(r.stdout, /^true TLSv1\.[23]$/m, r.stderr);
  });

  test('a certificate of another CA, or another name, refuses the login', async () => {
    for (const tls of [{ mode: 'verify-full', ca: cluster.otherCa }, { mode: 'verify-ca', ca: cluster.otherCa }, { mode: 'verify-full', ca: cluster.ca, server_name: 'db.example.com' }, { mode: 'verify-full' }]) {
      const { w, key } = await door(tls);
      const r = await psql(w.pgPort, { user: 'tess', password: key, db: 'postgres' }, ['SELECT 1']);
      assert.notEqual(r.code, 0, JSON.stringify(tls).slice(0, 80));
      assert.match(r.stderr, /FATAL:\s+Warden could not log in to PostgreSQL; the operator finds why in the Warden log/);
      assert.equal(r.stdout, '');
    }
  });

  test('verify-ca checks the chain, not the name; require encrypts without verifying', async () => {
    for (const tls of [{ mode: 'verify-ca', ca: cluster.ca, server_name: 'db.example.com' }, { mode: 'require' }]) {
      const { w, key } = await door(tls);
      const r = await psql(w.pgPort, { user: 'tess', password: key, db: 'postgres' }, [SSL_ROW]);
      assert.match(r.stdout, /^true TLSv1\.[23]$/m, `${JSON.stringify(tls).slice(0, 60)}: ${r.stderr}`);
    }
  });

  test('plaintext (disable) to this server is refused by the server: the sessions above were TLS', async () => {
    const { w, key } = await door({ mode: 'disable' });
    const r = await psql(w.pgPort, { user: 'tess', password: key, db: 'postgres' }, ['SELECT 1']);
    assert.match(r.stderr, /FATAL:\s+Warden could not log in to PostgreSQL/);
  });

  test('a TLS mode against a server without TLS refuses the login instead of falling back', async (t) => {
    // The machine's own server on 5432, which answers SSLRequest with N in this project's setup.
    const ssl = await psql(5432, { user: 'postgres', password: '', db: 'postgres', sslmode: 'require' }, ['SELECT 1']);
    if (ssl.code === 0) return t.skip('the server on 5432 offers TLS here: no server answering N to test against');
    const w = await startPgWarden({ upstream: { host: '127.0.0.1', port: 5432, user: 'postgres', tls: { mode: 'require' } } });
    wardens.push(w);
    const r = await psql(w.pgPort, { user: 'tess', password: w.key('tess', { groups: ['data-reader'] }).key, db: 'postgres' }, ['SELECT 1']);
    assert.match(r.stderr, /FATAL:\s+Warden could not log in to PostgreSQL/);
  });

  test('a cancel request reaches the server over the TLS hop', async () => {
    const { w, key } = await door({ mode: 'verify-full', ca: cluster.ca, server_name: 'localhost' });
    const c = await RawClient.connect(w.pgPort);
    await c.login('tess', key, 'postgres');
    const k = c.messages.find((m) => m.name === 'backendKeyData') as unknown as { processID: number; secretKey: number };
    const from = c.messages.length;
    c.write(serialize.query('SELECT count(*) FROM generate_series(1, 3000000000)'));
    await new Promise((r) => setTimeout(r, 300));
    const g = await RawClient.connect(w.pgPort);
    g.write(serialize.cancel(k.processID, k.secretKey));
    const err = await c.until((m) => m.name === 'error', 10_000, from);
    assert.equal((err as unknown as { code: string }).code, '57014');
    c.close();
    g.close();
  });
});
