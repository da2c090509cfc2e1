/**
 * An OIDC access token as the password of the PostgreSQL door, from a real OpenID Provider
 * (oidc-provider): the user name is the consumer the token names (with the issuer's
 * consumer_prefix); a data-reader's token reads, a data-writer's write is held for approval;
 * forged, expired, wrong-audience tokens and a mismatched user name are refused with FATAL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { psql, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';
import { DEFAULT_RESOURCE, startTestIdp, type TestIdp } from '../support/oidc-idp.js';

describe('postgres door: OIDC access tokens as the password', { timeout: 120_000 }, () => {
  let idp: TestIdp;
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;

  before(async () => {
    idp = await startTestIdp({ resources: [DEFAULT_RESOURCE, 'https://other.test'] });
    db = await testDatabase('oidc');
    w = await startPgWarden(
      { roles: [{ groups: ['data-reader'], user: db.reader }, { groups: ['data-writer'], user: db.writer }], default_role: 'refuse' },
      { identity: { oidc: [{ issuer: idp.issuer, audience: DEFAULT_RESOURCE, name_claim: 'preferred_username', consumer_prefix: 'idp:' }] } } as never,
    );
  });
  after(async () => {
    await w?.close();
    await db?.drop();
    await idp?.stop();
  });

  const as = (user: string, token: string, sqls: string[]) => psql(w.pgPort, { user, password: token, db: db.name }, sqls);

  test("a data-reader's token reads; its write is refused", async () => {
    const token = await idp.mintAccessToken('alice');
    const r = await as('idp:alice', token, ['SELECT count(*) FROM items', 'SELECT current_user', 'DELETE FROM items WHERE id = 1']);
    assert.match(r.stdout, new RegExp(`^50\\n${db.reader}$`, 'm'), r.stderr);
    assert.match(r.stderr, /ERROR:\s+Warden denied this statement \(rule rule:postgres-preset\.reader-only-reads\)/);
  });

  test("a data-writer's token: its write is held for approval, naming the approval", async () => {
    const token = await idp.mintAccessToken('bob');
    const r = await as('idp:bob', token, ['SELECT current_user', 'DELETE FROM items WHERE id = 2']);
    assert.match(r.stdout, new RegExp(`^${db.writer}$`, 'm'), r.stderr);
    assert.match(r.stderr, /ERROR:\s+Warden: this statement needs approval apr_\w+/);
    assert.match(r.stderr, /DETAIL:\s+approval_id=apr_\w+/);
  });

  test('the user name must be the consumer the token names, prefix included', async () => {
    const token = await idp.mintAccessToken('alice');
    for (const user of ['alice', 'idp:bob']) {
      const r = await as(user, token, ['SELECT 1']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /FATAL:\s+user "[^"]+" does not match the credential, which belongs to consumer idp:alice/);
      assert.equal(r.stdout, '');
    }
  });

  test('forged, expired, wrong-audience and untrusted tokens are refused with FATAL and never echoed', async () => {
    const stranger = await startTestIdp();
    try {
      const bad = [
        await idp.mintAccessToken('alice', { times: { exp: -120 } }),
        await idp.mintAccessToken('alice', { resource: 'https://other.test' }),
        await stranger.mintAccessToken('alice'),
        'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl',
      ];
      for (const token of bad) {
        const r = await as('idp:alice', token, ['SELECT 1']);
        assert.notEqual(r.code, 0, token.slice(0, 30));
        assert.match(r.stderr, /FATAL:\s+WARDEN_E_\w+: /, r.stderr);
        assert.equal(r.stdout, '');
        assert.ok(!r.stderr.includes(token.slice(-20)), 'the token is never echoed');
      }
      // SQLSTATE 28P01 (invalid_password), as a driver sees it.
      const c = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user: 'idp:alice', password: bad[0]!, database: db.name });
      c.on('error', () => undefined);
      await assert.rejects(c.connect(), (e: { code?: string; severity?: string; message: string }) => e.code === '28P01' && e.severity === 'FATAL' && /expired/i.test(e.message));
      await c.end().catch(() => undefined);
    } finally {
      await stranger.stop();
    }
  });
});
