/**
 * Why settings that change how PostgreSQL reads a query are restricted: with
 * standard_conforming_strings off, the real server runs a DROP the classifier (which parses
 * with it on) reads as part of a string literal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawPg } from '../../../../test/support/pg-raw.js';
import { isListening } from '../../../../test/support/services.js';
import { classifySql, loadSqlParser } from './index.js';

test('standard_conforming_strings off: the server and the parser disagree, so SET of it is restricted', async (t) => {
  if (!(await isListening(5432))) {
    if (process.env.CI === 'true') assert.fail('PostgreSQL must run on 127.0.0.1:5432 in CI');
    return t.skip('postgres not running');
  }
  await loadSqlParser();
  const table = `wx_scs_${process.pid}`;
  const attack = `SELECT '\\'\n' ; DROP TABLE ${table}; --'`;
  assert.deepEqual(classifySql(attack).statements.map((s) => s.kind), ['select'], 'the classifier reads one SELECT');
  const pg = await RawPg.connect();
  t.after(async () => {
    await pg.query(`SET standard_conforming_strings = on; DROP TABLE IF EXISTS ${table}`);
    await pg.close();
  });
  await pg.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (a int)`);
  await pg.query('SET standard_conforming_strings = off');
  const done = (await pg.query(attack)).filter((m) => m.type === 'C').map((m) => m.body.toString('utf8').replace(/\0/g, ''));
  assert.deepEqual(done, ['SELECT 1', 'DROP TABLE'], 'the server ran a DROP');
  const off = classifySql('SET standard_conforming_strings = off');
  assert.equal(off.effect, 'restricted', 'so turning it off needs an explicit rule');
  assert.equal(classifySql("SELECT set_config('standard_conforming_strings', 'off', false)").effect, 'blocked');
});
