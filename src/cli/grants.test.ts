import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeGrant, grantEnded, openSqliteGrants } from '../doors/postgres/grants/index.js';
import { main } from './main.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'warden-grants-'));
  const config = join(dir, 'warden.yaml');
  writeFileSync(config, `store:\n  driver: sqlite\n  path: ${join(dir, 'w.db')}\n`);
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await main(['--config', config, ...argv], { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  };
  return { dir, db: join(dir, 'w.db'), run, close: () => rmSync(dir, { recursive: true, force: true }) };
}

test('grants create, list, revoke: the store holds what the CLI says, and the door sees it', async (t) => {
  const s = setup();
  t.after(s.close);
  const created = await s.run('grants', 'create', '--consumer', 'alice', '--role', 'reader', '--for', '1h', '--note', 'incident 42');
  assert.equal(created.code, 0, created.err);
  const m = /^grant (grt_[A-Za-z0-9]{16}): alice holds role reader on every database until (\S+)\n$/.exec(created.out);
  assert.ok(m, created.out);
  const id = m[1]!;
  const until = Date.parse(m[2]!);
  assert.ok(Math.abs(until - (Date.now() + 3_600_000)) < 5_000, 'expires one hour from now');

  const list = await s.run('grants', 'list');
  assert.equal(list.code, 0);
  assert.match(list.out, new RegExp(`^${id}  alice  role=reader  database=\\*  active  created=\\S+ by cli  expires=\\S+\\n    note: incident 42\\n$`));
  const json = JSON.parse((await s.run('grants', 'list', '--json', '--consumer', 'alice')).out) as { id: string; active: boolean }[];
  assert.deepEqual(json.map((g) => [g.id, g.active]), [[id, true]]);
  assert.equal(JSON.parse((await s.run('grants', 'list', '--json', '--consumer', 'bob')).out).length, 0);

  const store = openSqliteGrants(s.db);
  t.after(() => store.close());
  assert.equal((await activeGrant(store, 'alice', Date.now()))?.id, id);
  assert.equal(await activeGrant(store, 'alice', until + 1000), undefined, 'expired at its end');
  assert.match((await grantEnded(store, id, until + 1000))!, /expired at/);
  assert.equal(await grantEnded(store, id, Date.now()), null);

  const revoked = await s.run('grants', 'revoke', id);
  assert.equal(revoked.code, 0, revoked.err);
  assert.match(revoked.out, new RegExp(`^grant ${id} revoked`));
  assert.equal(await activeGrant(store, 'alice', Date.now()), undefined);
  assert.match((await grantEnded(store, id, Date.now()))!, /was revoked by cli/);
  assert.equal((await s.run('grants', 'list')).out, 'no active grants (--all shows expired and revoked ones)\n');
  assert.match((await s.run('grants', 'list', '--all')).out, /revoked by cli at/);

  const again = await s.run('grants', 'revoke', id);
  assert.equal(again.code, 1);
  assert.match(again.err, /^WARDEN_E_ADMIN_CONFLICT: grant grt_\S+ was already revoked/);
  const unknown = await s.run('grants', 'revoke', 'grt_nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /^WARDEN_E_ADMIN_NOT_FOUND: no grant grt_nope/);
});

test('grants create refuses a bad role, duration or consumer with a clear message', async (t) => {
  const s = setup();
  t.after(s.close);
  const role = await s.run('grants', 'create', '--consumer', 'alice', '--role', 'superuser', '--for', '1h');
  assert.equal(role.code, 2);
  assert.match(role.err, /WARDEN_E_USAGE: option '--role <role>' argument 'superuser' is invalid. Allowed choices are reader, writer, dba/);
  const dur = await s.run('grants', 'create', '--consumer', 'alice', '--role', 'reader', '--for', 'soon');
  assert.equal(dur.code, 2);
  assert.match(dur.err, /WARDEN_E_USAGE: --for soon: expected a duration such as 30m, 1h or 2d/);
  const long = await s.run('grants', 'create', '--consumer', 'alice', '--role', 'reader', '--for', '8d');
  assert.equal(long.code, 1);
  assert.match(long.err, /WARDEN_E_ADMIN_BAD_INPUT: the grant's duration must be between 1 ms and 7d/);
  const who = await s.run('grants', 'create', '--consumer', 'a b', '--role', 'reader', '--for', '1h');
  assert.equal(who.code, 1);
  assert.match(who.err, /consumer: 1 to 128 letters/);
  const missing = await s.run('grants', 'create', '--role', 'reader', '--for', '1h');
  assert.equal(missing.code, 2);
});

test('activeGrant: the most capable role wins, a database-bound grant only for its database', async (t) => {
  const store = openSqliteGrants(':memory:');
  t.after(() => store.close());
  const now = Date.now();
  const base = { consumer: 'alice', created: now, createdBy: 'test' };
  const r = await store.create({ ...base, role: 'reader', expires: now + 7_200_000 });
  const w = await store.create({ ...base, role: 'writer', expires: now + 600_000, database: 'app' });
  assert.equal((await activeGrant(store, 'alice', now, 'app'))?.id, w.id);
  assert.equal((await activeGrant(store, 'alice', now, 'other'))?.id, r.id);
  assert.equal((await activeGrant(store, 'alice', now + 700_000, 'app'))?.id, r.id, 'after the writer grant ends, the reader one remains');
  assert.equal(await activeGrant(store, 'bob', now), undefined);
});
