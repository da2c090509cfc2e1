import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteApprovals } from '../approvals/sqlite.js';
import type { NewApproval } from '../approvals/types.js';
import { createKey } from '../identity/admin.js';
import type { AdminKeysConfig } from '../identity/admin-principal.js';
import { openSqliteStore } from '../store/sqlite.js';
import { approvalsCommand, parseDuration, type ApprovalsCommandContext } from './approvals.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) }, text: () => out.join(''), errors: () => err.join('') };
}

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const KEYS = { lead: 'wadm_lead_0123456789abcdefghij', self: 'wadm_claude_code_staging_0123456789', viewer: 'wadm_viewer_0123456789abcdefghij', outsider: 'wadm_outsider_0123456789abcdefgh', root: 'wadm_root_0123456789abcdefghijkl' };
const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-approvals-'));
  const dbPath = join(dir, 'warden.db');
  const keys = openSqliteStore(dbPath);
  keys.upsertConsumer({ name: 'claude-code-staging', groups: [], labels: {}, models: [] });
  const agentKey = createKey(keys, { consumer: 'claude-code-staging' }).key;
  keys.close();
  const admin: AdminKeysConfig = {
    key_sha256: sha(KEYS.root),
    keys: [
      { name: 'lead', key_sha256: sha(KEYS.lead), role: 'approver', groups: ['platform-team'] },
      // Someone named their admin key after the consumer whose requests they would approve.
      { name: 'claude-code-staging', key_sha256: sha(KEYS.self), role: 'approver', groups: ['platform-team'] },
      { name: 'vic', key_sha256: sha(KEYS.viewer), role: 'viewer', groups: ['platform-team'] },
      { name: 'olga', key_sha256: sha(KEYS.outsider), role: 'approver', groups: ['db-owners'] },
      // An operator pasted the agent's virtual key hash as an admin key.
      { name: 'pasted', key_sha256: sha(agentKey), role: 'admin', groups: ['platform-team'] },
    ],
  };
  const server = openSqliteApprovals(dbPath);
  const ask = (over: Partial<NewApproval> = {}) =>
    server.create({ consumer: 'claude-code-staging', door: 'http', summary: 'http · POST /api/database/query', rule: 'rule:global.prod-write', fingerprint: `f${Math.random()}`, approvers: ['platform-team'], created: NOW - 1000, expires: NOW + 3_600_000, grantTtlMs: 8 * 3_600_000, ...over });
  const keyFile = (key: string) => {
    const f = join(dir, `key-${sha(key).slice(0, 8)}`);
    writeFileSync(f, `${key}\n`, { mode: 0o600 });
    return f;
  };
  const run = async (argv: string[], over: Partial<ApprovalsCommandContext> = {}) => {
    const o = io();
    const code = await approvalsCommand(argv, { dbPath, admin, env: {}, ...o, now: () => NOW, ...over });
    return { code, out: o.text(), err: o.errors() };
  };
  return { dir, dbPath, admin, agentKey, server, ask, keyFile, run, close: () => (server.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('approve and deny refuse every attempt that is not a proper approver, and record each', async () => {
  const s = setup();
  try {
    // [case, argv after the id, context overrides, expected error code, message part]
    const cases: [string, string[], Partial<ApprovalsCommandContext>, string, RegExp][] = [
      ['no admin key at all (file access alone)', [], {}, 'WARDEN_E_ADMIN_UNAUTHORIZED', /admin key missing \(give it with --admin-key-file FILE or the WARDEN_ADMIN_KEY environment variable/],
      ['the agent\'s virtual key in WARDEN_ADMIN_KEY', [], { env: { WARDEN_ADMIN_KEY: s.agentKey } }, 'WARDEN_E_ADMIN_UNAUTHORIZED', /a virtual key \(an agent's credential\) is never an admin identity/],
      ['the agent\'s virtual key in a key file', ['--admin-key-file', s.keyFile(s.agentKey)], {}, 'WARDEN_E_ADMIN_UNAUTHORIZED', /never an admin identity/],
      ['a wrong admin key', [], { env: { WARDEN_ADMIN_KEY: 'wadm_guess_0123456789abcdefghij' } }, 'WARDEN_E_ADMIN_UNAUTHORIZED', /admin key wrong/],
      ['no admin key configured', [], { env: { WARDEN_ADMIN_KEY: KEYS.lead }, admin: { keys: [] } }, 'WARDEN_E_ADMIN_UNAUTHORIZED', /no admin key is configured/],
      ['an unreadable key file', ['--admin-key-file', '/nonexistent/key'], {}, 'WARDEN_E_ADMIN_UNAUTHORIZED', /--admin-key-file \/nonexistent\/key: ENOENT/],
      ['an approver named as the requesting consumer', [], { env: { WARDEN_ADMIN_KEY: KEYS.self } }, 'WARDEN_E_APPROVAL_SELF', /cannot answer their own request/],
      ['role viewer', [], { env: { WARDEN_ADMIN_KEY: KEYS.viewer } }, 'WARDEN_E_ADMIN_FORBIDDEN', /vic has role viewer/],
      ['an approver not in approvers', ['--admin-key-file', s.keyFile(KEYS.outsider)], {}, 'WARDEN_E_APPROVAL_NOT_APPROVER', /only by platform-team/],
      ['admin not in approvers', [], { env: { WARDEN_ADMIN_KEY: KEYS.root } }, 'WARDEN_E_APPROVAL_NOT_APPROVER', /admin \(role admin\) is none of them/],
    ];
    for (const [name, extra, over, code, message] of cases) {
      for (const verb of ['approve', 'deny']) {
        const a = await s.ask();
        const r = await s.run([verb, a.id, ...extra], over);
        assert.equal(r.code, 1, `${name} (${verb}): ${r.err}`);
        assert.ok(r.err.startsWith(`${code}: `), `${name} (${verb}): ${r.err}`);
        assert.match(r.err, message, name);
        assert.equal((await s.server.get(a.id))?.status, 'pending', `${name}: still pending`);
        const events = await s.server.events(a.id);
        assert.deepEqual(events.map((e) => [e.outcome, e.code, e.via, e.action]), [['refused', code, 'cli', verb]], name);
        assert.ok(!JSON.stringify(events).includes('wadm_') && !JSON.stringify(events).includes('wdn_'), `${name}: no key in the trail`);
      }
    }
    const usage = await s.run(['approve', (await s.ask()).id, '--by', 'lead'], { env: { WARDEN_ADMIN_KEY: KEYS.lead } });
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--by is gone: the approver is the name of the admin key/);
  } finally {
    s.close();
  }
});

test('a proper approver answers once; expired, twice and deny-then-approve are refused', async () => {
  const s = setup();
  try {
    const lead = { env: { WARDEN_ADMIN_KEY: KEYS.lead } };
    const a = await s.ask();
    const ok = await s.run(['approve', a.id, '--ttl', '2h', '--note', 'once'], lead);
    assert.equal(ok.code, 0, ok.err);
    assert.equal(ok.out, `${a.id} approved: identical requests pass until 2026-03-10T14:00:00Z (decided by lead)\n`);
    const approved = (await s.server.get(a.id))!;
    assert.deepEqual({ status: approved.status, by: approved.decidedBy, role: approved.decidedRole, via: approved.decidedVia, expires: approved.expires }, { status: 'approved', by: 'lead', role: 'approver', via: 'cli', expires: NOW + 2 * 3_600_000 });

    const twice = await s.run(['approve', a.id, '--admin-key-file', s.keyFile(KEYS.lead)]);
    assert.equal(twice.code, 1);
    assert.match(twice.err, /WARDEN_E_APPROVAL_CLOSED: approval \S+ was already approved by lead/);

    const b = await s.ask();
    assert.equal((await s.run(['deny', b.id, '--note', 'no'], lead)).code, 0);
    assert.equal((await s.server.get(b.id))?.expires, NOW + 8 * 3_600_000, 'default: the grant ttl recorded when it was asked');
    const flip = await s.run(['approve', b.id], lead);
    assert.match(flip.err, /WARDEN_E_APPROVAL_CLOSED: approval \S+ was already denied by lead/);
    assert.equal((await s.server.get(b.id))?.status, 'denied');

    const c = await s.ask({ created: NOW - 10_000, expires: NOW - 1 });
    const late = await s.run(['approve', c.id], lead);
    assert.match(late.err, /WARDEN_E_APPROVAL_CLOSED: approval \S+ expired at/);

    const missing = await s.run(['approve', 'apr_nope'], lead);
    assert.match(missing.err, /WARDEN_E_ADMIN_NOT_FOUND: no approval apr_nope/);

    assert.deepEqual((await s.server.events(a.id)).map((e) => [e.actor, e.outcome]), [['lead', 'approved'], ['lead', 'refused']]);
    assert.deepEqual((await s.server.events(b.id)).map((e) => [e.actor, e.outcome]), [['lead', 'denied'], ['lead', 'refused']]);
  } finally {
    s.close();
  }
});

test('list reads the same database file the server uses', async () => {
  const s = setup();
  try {
    const a = await s.ask();
    let r = await s.run(['list']);
    assert.ok(r.out.includes(a.id) && r.out.includes('POST /api/database/query'), r.out);
    await s.run(['deny', a.id], { env: { WARDEN_ADMIN_KEY: KEYS.lead } });
    r = await s.run(['list']);
    assert.equal(r.out, 'no pending approvals\n');
    r = await s.run(['list', '--all', '--json']);
    assert.deepEqual(JSON.parse(r.out).map((x: { status: string; decidedBy: string }) => [x.status, x.decidedBy]), [['denied', 'lead']]);
  } finally {
    s.close();
  }
});

test('list shows an executed approval as executed, by which session, and filters on it', async () => {
  const s = setup();
  try {
    const a = await s.ask({ door: 'postgres', summary: 'postgres · sql delete items' });
    await s.run(['approve', a.id], { env: { WARDEN_ADMIN_KEY: KEYS.lead } });
    assert.ok(await s.server.execute(a.id, 'pgs_0123456789abcdef', NOW + 500));
    let r = await s.run(['list', '--status', 'executed']);
    assert.match(r.out, new RegExp(`^${a.id}  executed at 2026-03-10T12:00:00Z by session pgs_0123456789abcdef, approved by lead  consumer=claude-code-staging`));
    r = await s.run(['list', '--status', 'approved']);
    assert.equal(r.out, 'no approved approvals\n');
    r = await s.run(['list', '--all', '--json']);
    assert.deepEqual(JSON.parse(r.out).map((x: { status: string; executedBy: string }) => [x.status, x.executedBy]), [['executed', 'pgs_0123456789abcdef']]);
    r = await s.run(['deny', a.id], { env: { WARDEN_ADMIN_KEY: KEYS.lead } });
    assert.equal(r.code, 1);
    assert.match(r.err, /^WARDEN_E_APPROVAL_EXECUTED: approval apr_\w+ was approved by lead and already executed/);
  } finally {
    s.close();
  }
});

test('usage errors exit 2', async () => {
  const dbPath = ':memory:';
  for (const argv of [[], ['frobnicate'], ['approve'], ['approve', 'a', 'b'], ['approve', 'apr_x', '--ttl', 'soon'], ['list', '--status', 'maybe'], ['list', '--bogus']]) {
    const o = io();
    assert.equal(await approvalsCommand(argv, { dbPath, admin: { keys: [] }, ...o }), 2, argv.join(' '));
    assert.ok(o.errors().length > 0);
  }
});

test('durations', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('8h'), 28_800_000);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration('0h'), undefined);
  assert.equal(parseDuration('1w'), undefined);
});
