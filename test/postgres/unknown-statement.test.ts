/**
 * A Bind runs only a statement a Parse of the session created. SQL-level PREPARE shares the
 * server's statement names: with a rule that allows PREPARE, `PREPARE p AS DELETE …` and then
 * a protocol Bind of `p` would run a DELETE that Warden only ever judged as a PREPARE (no
 * approval, no masking plan). The door refuses the name with the server's own error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSql, errorsOf, names, RawClient, serialize, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

describe('postgres door: Bind of a statement no Parse created', { timeout: 120_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;

  before(async () => {
    db = await testDatabase('unk');
    w = await startPgWarden(
      { roles: [{ groups: ['data-reader'], user: db.writer }], masking: { enabled: false } },
      { policy: { rules: [{ id: 'prepare-ok', action: 'allow', when: 'sql != null && sql.statements.all(s, s.kind == "prepare")' }] } },
    );
    key = w.key('eve', { groups: ['data-reader'] }).key;
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  test('PREPARE p AS DELETE, then Bind/Execute of p: refused with 26000, nothing deleted, the session usable', async () => {
    const c = await RawClient.connect(w.pgPort);
    await c.login('eve', key, db.name);
    let ms = await c.roundTrip(serialize.query('PREPARE p AS DELETE FROM cards'));
    assert.deepEqual(names(ms), ['commandComplete', 'readyForQuery'], 'the explicit rule allows the PREPARE itself');
    ms = await c.roundTrip(Buffer.concat([serialize.bind({ statement: 'p' }), serialize.execute(), serialize.sync()]));
    assert.deepEqual(names(ms), ['error', 'readyForQuery']);
    const e = errorsOf(ms)[0]!;
    assert.equal(e.code, '26000');
    assert.match(e.message, /prepared statement "p" does not exist/);
    assert.match(e.hint ?? '', /Warden runs only statements prepared with a Parse/);
    assert.equal(await adminSql('SELECT count(*) FROM cards', db.name), '2', 'the DELETE did not run');
    // The unnamed statement after a Query, and a batch that goes on after the refusal: skipped to Sync.
    ms = await c.roundTrip(Buffer.concat([serialize.bind(), serialize.execute(), serialize.parse({ text: 'SELECT 7' }), serialize.bind(), serialize.execute(), serialize.sync()]));
    assert.deepEqual(names(ms), ['error', 'readyForQuery']);
    assert.match(errorsOf(ms)[0]!.message, /unnamed prepared statement does not exist/);
    // A statement this session parsed still runs.
    ms = await c.roundTrip(Buffer.concat([serialize.parse({ name: 'mine', text: 'SELECT count(*) FROM cards' }), serialize.bind({ statement: 'mine' }), serialize.execute(), serialize.sync()]));
    assert.deepEqual(names(ms), ['parseComplete', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);
    ms = await c.roundTrip(serialize.query('SELECT 5'));
    assert.deepEqual(names(ms), ['rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
    c.close();
  });
});
