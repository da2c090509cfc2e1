/**
 * Warden's record of the session's prepared statements must be the server's: a Bind is let
 * through by the verdict of the text Warden believes the statement holds. A data-writer's
 * `DELETE` needing approval is parsed as `foo` (which runs nothing), then the record is made
 * to lie — a second Parse of `foo` the server refuses (name in use) or Warden refuses (its
 * marker is unnamed), a Close or Query the server skips inside a failed batch — and `foo`
 * (or the unnamed statement) is bound: it must still ask for the approval, never run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSql, errorsOf, RawClient, serialize, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

describe('postgres door: the statement record follows the server', { timeout: 60_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let key: string;
  before(async () => {
    db = await testDatabase('shadow');
    w = await startPgWarden({ roles: [{ groups: ['data-writer'], user: db.writer }] });
    key = w.key('wendy', { groups: ['data-writer'] }).key;
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  const S = serialize;
  // Each: the batches sent after `Parse <name> = DELETE … WHERE id = <id>` + Sync, before the final Bind of <name>.
  // A batch fails on the server with an Execute of a portal that does not exist (a Bind of an
  // unknown statement would be refused by Warden itself, with its marker Parse).
  const cases: { what: string; name: string; between: Buffer[] }[] = [
    { what: 'a second Parse of foo (allowed text) the server refuses: name in use', name: 'foo', between: [Buffer.concat([S.parse({ name: 'foo', text: 'SELECT 1' }), S.sync()])] },
    { what: 'a second Parse of foo that Warden refuses (its marker Parse is unnamed)', name: 'foo', between: [Buffer.concat([S.parse({ name: 'foo', text: 'DROP DATABASE postgres' }), S.sync()])] },
    { what: 'a Parse of foo the server skips after an error in the batch', name: 'foo', between: [Buffer.concat([S.execute({ portal: 'nope' }), S.parse({ name: 'foo', text: 'SELECT 1' }), S.sync()])] },
    { what: 'a Close of foo the server skips after an error in the batch', name: 'foo', between: [Buffer.concat([S.execute({ portal: 'nope' }), S.close({ type: 'S', name: 'foo' }), S.sync()])] },
    { what: 'a Query the server ignores inside a failed batch (it would end the unnamed statement)', name: '', between: [Buffer.concat([S.execute({ portal: 'nope' }), S.query('SELECT 1'), S.sync()])] },
  ];

  cases.forEach((c, i) => {
    test(`${c.what}: a Bind of the DELETE still asks for approval`, async () => {
      const id = 20 + i;
      const raw = await RawClient.connect(w.pgPort);
      await raw.login('wendy', key, db.name);
      try {
        const first = await raw.roundTrip(Buffer.concat([S.parse({ name: c.name, text: `DELETE FROM items WHERE id = ${id}` }), S.sync()]));
        assert.deepEqual(errorsOf(first), []);
        for (const b of c.between) await raw.roundTrip(b);
        const ran = await raw.roundTrip(Buffer.concat([S.bind({ statement: c.name }), S.execute({}), S.sync()]));
        assert.equal(await adminSql(`SELECT count(*) FROM items WHERE id = ${id}`, db.name), '1', 'the DELETE ran without approval');
        assert.match(errorsOf(ran)[0]?.message ?? '', /this statement needs approval apr_\w+/);
      } finally {
        raw.close();
      }
    });
  });
});
