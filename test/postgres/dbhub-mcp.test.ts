/**
 * The agent-shaped flow of seed 002: an MCP client reaches a PostgreSQL MCP server from npm
 * (`@bytebase/dbhub`, which can write) through Warden's MCP door; dbhub's DSN points at
 * Warden's PostgreSQL door with a Warden key as the password. Reads come back with card
 * numbers masked; a DELETE is held (the tool result names the approval), a reviewer — not
 * the requester — approves it, the identical call then runs once, and a replay asks again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createKey } from '../../src/identity/admin.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { connectMcp, type McpTestClient } from '../support/mcp.js';
import { node22 } from '../support/node22.js';
import { adminSql, startPgWarden, testDatabase, type PgWarden } from '../support/pg.js';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const LEAD = 'wadm_dbhub_lead_0123456789abcdefghijkl';
/** An approver whose name is the requester's consumer (dbhub's key): it may not answer. */
const SELF = 'wadm_dbhub_self_0123456789abcdefghijkl';
const CARDS = /4111111111111111|5500005555555559/;
const DBHUB = join(createRequire(import.meta.url).resolve('@bytebase/dbhub/package.json'), '..', 'dist', 'index.js');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

type ToolResult = { isError?: boolean; content: { type: string; text: string }[] };
const textOf = (r: unknown) => (r as ToolResult).content.map((c) => c.text).join('\n');

describe('postgres door behind the MCP door: dbhub', { timeout: 180_000 }, () => {
  let w: PgWarden;
  let db: Awaited<ReturnType<typeof testDatabase>>;
  let dir: string;
  let mcp: McpTestClient;

  before(async () => {
    db = await testDatabase('dbhub');
    dir = mkdtempSync(join(tmpdir(), 'warden-dbhub-'));
    // dbhub's key must exist before Warden starts: it is part of the DSN in the MCP config.
    const store = openSqliteStore(join(dir, 'warden.db'));
    store.upsertConsumer({ name: 'dbhub', groups: ['data-writer'], labels: {}, models: [] });
    const dbKey = createKey(store, { consumer: 'dbhub', models: [], expiresAt: null }).key;
    store.close();
    const pgPort = await freePort();
    const dsn = `postgres://dbhub:${encodeURIComponent(dbKey)}@127.0.0.1:${pgPort}/${db.name}?sslmode=disable`;
    w = await startPgWarden(
      { listen: { host: '127.0.0.1', port: pgPort }, roles: [{ groups: ['data-writer'], user: db.writer }] },
      {
        admin: { keys: [{ name: 'lead', key_sha256: sha(LEAD), role: 'approver', groups: ['platform-team'] }, { name: 'dbhub', key_sha256: sha(SELF), role: 'approver', groups: ['platform-team'] }] },
        mcp: {
          servers: { db: { transport: 'stdio', command: node22(), args: [DBHUB, '--transport', 'stdio'], credential: { env: { DSN: dsn } } } },
          grants: [{ groups: ['agents'], tools: ['db__execute_sql'] }],
        },
      } as never,
      { dir },
    );
    mcp = await connectMcp(w.url, w.key('agent', { groups: ['agents'] }).key);
  });
  after(async () => {
    await mcp?.close();
    await w?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sql = (text: string) => mcp.client.callTool({ name: 'db__execute_sql', arguments: { sql: text } }, undefined, { timeout: 30_000 });
  const held = async (text: string): Promise<string> => {
    const r = await sql(text);
    const body = textOf(r);
    assert.equal((r as ToolResult).isError, true, body);
    const id = /needs approval (apr_\w+)/.exec(body)?.[1];
    assert.ok(id, body);
    return id;
  };
  const decide = async (id: string, adminKey = LEAD) => {
    const r = await fetch(`${w.adminUrl}/admin/approvals/${id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: '{}' });
    const j = (await r.json()) as { error?: { code: string } };
    return r.status === 200 ? 200 : `${r.status} ${j.error?.code}`;
  };

  test('the agent sees only execute_sql of the db server; a read comes back with card numbers masked', async () => {
    assert.deepEqual((await mcp.client.listTools()).tools.map((t) => t.name), ['db__execute_sql']);
    const r = await sql('SELECT id, owner, card FROM cards ORDER BY id');
    const body = textOf(r);
    assert.notEqual((r as ToolResult).isError, true, body);
    assert.match(body, /ann/);
    assert.match(body, /bob/);
    assert.doesNotMatch(body, CARDS);
    assert.match(body, /REDACTED/);
  });

  test('a DELETE is held for approval, approved by a reviewer, runs once; a replay is held again', async () => {
    const id = await held('DELETE FROM items WHERE id = 7');
    assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 7', db.name), '1');
    // Asking again before the answer reuses the pending approval; nothing ran.
    assert.equal(await held('DELETE FROM items WHERE id = 7'), id);
    assert.equal(await decide(id, SELF), '403 WARDEN_E_APPROVAL_SELF');
    assert.equal(await decide(id), 200);
    const ran = await sql('DELETE FROM items WHERE id = 7');
    assert.notEqual((ran as ToolResult).isError, true, textOf(ran));
    assert.match(textOf(ran), /"count":\s*1\b/);
    assert.equal(await adminSql('SELECT count(*) FROM items WHERE id = 7', db.name), '0');
    assert.equal(await adminSql('SELECT count(*) FROM items', db.name), '49');
    const again = await held('DELETE FROM items WHERE id = 7');
    assert.notEqual(again, id);
  });
});
