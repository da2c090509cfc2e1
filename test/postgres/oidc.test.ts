/**
 * An OIDC access token as the password of the PostgreSQL door, from a real OpenID Provider
 * (oidc-provider): the user name is the consumer the token names (with the issuer's
 * consumer_prefix); a data-reader's token reads, a data-writer's write is held for approval;
 * forged, expired, wrong-audience tokens and a mismatched user name are refused with FATAL;
 * a session ends with FATAL when its token (or its key) expires, and the audit says why.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { readAuditRecords } from '../support/audit-records.js';
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
      { identity: { oidc: [{ issuer: idp.issuer, audience: DEFAULT_RESOURCE, name_claim: 'preferred_username', consumer_prefix: 'idp:', clock_skew_seconds: 0 }] } } as never,
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

  test('a session ends with FATAL when its token expires (and when its key does), recorded in the audit', async () => {
    // Tokens live 2 s here (clock_skew_seconds: 0): the session must not outlive them.
    const token = await idp.mintAccessToken('alice', { times: { exp: 2 } });
    const key = w.key('kate', { groups: ['data-reader'], expiresAt: Date.now() + 2000 }).key;
    const open = async (user: string, password: string) => {
      const c = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user, password, database: db.name });
      const errors: { code?: string; message: string; severity?: string }[] = [];
      c.on('error', (e) => errors.push(e));
      await c.connect();
      assert.equal((await c.query('SELECT count(*)::int AS n FROM items')).rows[0].n, 50);
      return { c, errors };
    };
    const viaToken = await open('idp:alice', token);
    const viaKey = await open('kate', key);
    await new Promise((res) => setTimeout(res, 3000));
    for (const { c } of [viaToken, viaKey]) {
      await assert.rejects(c.query('SELECT 1'));
      await c.end().catch(() => undefined);
    }
    const fatal = (errors: typeof viaToken.errors, re: RegExp) => assert.ok(errors.some((e) => e.code === '57P01' && e.severity === 'FATAL' && re.test(e.message)), JSON.stringify(errors));
    fatal(viaToken.errors, /^Warden: the OIDC access token of idp:alice \(issuer [^)]+\) expired at \S+Z \(WARDEN_E_TOKEN_EXPIRED\); this session ends/);
    fatal(viaKey.errors, /^Warden: API key key_\w+ expired at \S+Z \(WARDEN_E_AUTH_EXPIRED\); this session ends/);
    // Recorded: the session's last records carry the expiry and the close, never the token.
    await new Promise((res) => setTimeout(res, 300));
    const records = readAuditRecords(w.auditDir).filter((x) => x.door === 'postgres');
    assert.ok(!JSON.stringify(records).includes(token.slice(-20)));
    for (const [consumer, code] of [['idp:alice', 'WARDEN_E_TOKEN_EXPIRED'], ['kate', 'WARDEN_E_AUTH_EXPIRED']] as const) {
      const events = records.filter((x) => x.consumer === consumer).flatMap((x) => x.pg!.events);
      const i = events.findIndex((e) => e.kind === 'error' && e.code === code);
      assert.ok(i >= 0, JSON.stringify(events.slice(-3)));
      assert.equal(events[i + 1]?.kind, 'close');
      assert.match(String(events[i + 1]?.reason), new RegExp(`\\(${code}\\); this session ends`));
    }
    // A new session with the expired token is refused at login.
    const again = await as('idp:alice', token, ['SELECT 1']);
    assert.match(again.stderr, /FATAL:\s+WARDEN_E_TOKEN_EXPIRED/);
  });
});
