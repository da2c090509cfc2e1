import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWarden, type Warden } from '../src/app.js';
import { openSqliteApprovals } from '../src/approvals/sqlite.js';
import { main } from '../src/cli/main.js';
import { createKey } from '../src/identity/admin.js';
import { createLogger } from '../src/telemetry/log.js';
import { startBackend } from './http-door-support.js';

const ADMIN_KEY = 'wadm_test_admin_key_config_export_0123456789';

const ALICE_KEY = 'wadm_alice_approver_0123456789abcdefgh';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function fileConfig(port: number): string {
  return `# the team's gateway
server: { port: 0 }
admin:
  port: 0
  key_sha256: ${createHash('sha256').update(ADMIN_KEY).digest('hex')}
store: { driver: sqlite, path: state/warden.db }
audit: { dir: state/audit }
bootstrap_key: false
logging: { level: silent }
consumers:
  - name: file-agent
    labels: { level: staging }
routes:
  - id: status # kept as written
    uri: /status
    upstream:
      nodes: [{ host: 127.0.0.1, port: "\${env:WARDEN_TEST_EXPORT_PORT}" }]
`;
}

async function start(configPath: string): Promise<Warden> {
  return startWarden({ configPath, watch: false, log: createLogger('silent') });
}

test('config export: the file plus the admin API overlay and store consumers, references kept; a fresh Warden from it behaves the same', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-export-'));
  const fresh = join(dir, 'fresh');
  mkdirSync(fresh);
  const backend = await startBackend('api');
  process.env.WARDEN_TEST_EXPORT_PORT = String(backend.port);
  const configPath = join(dir, 'warden.yaml');
  writeFileSync(configPath, fileConfig(backend.port));
  let w: Warden | undefined = await start(configPath);
  t.after(async () => {
    await w?.close();
    await backend.close();
    delete process.env.WARDEN_TEST_EXPORT_PORT;
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = (path: string, method: string, body: unknown) =>
    fetch(`${w!.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await admin('/admin/routes', 'POST', { id: 'orders', uri: '/orders/*', methods: ['GET', 'DELETE'], upstream: { nodes: { [`127.0.0.1:${backend.port}`]: 1 } } })).status, 201);
  assert.equal(
    (await admin('/admin/policies', 'POST', { name: 'no-deletes', rules: [{ id: 'd', when: 'request.method == "DELETE"', reason: 'deletes need a human' }], attach: { routes: ['orders'], consumers: ['store-bot'] } })).status,
    201,
  );
  assert.equal((await admin('/admin/consumers/store-bot', 'PUT', { groups: ['ci'], labels: { level: 'sandbox' } })).status, 200);
  const storeKey = createKey(w.gateway.store, { consumer: 'store-bot' }).key;

  const behaviour = async (url: string, key: string) => [
    (await fetch(`${url}/orders/1`, { headers: { apikey: key } })).status,
    (await fetch(`${url}/orders/1`, { method: 'DELETE', headers: { apikey: key } })).status,
    (await fetch(`${url}/status`, { headers: { apikey: key } })).status,
  ];
  assert.deepEqual(await behaviour(w.url, storeKey), [200, 403, 200]);
  assert.deepEqual(w.reload(), { ok: true });
  assert.deepEqual(await behaviour(w.url, storeKey), [200, 403, 200], 'a file reload keeps the overlay');

  const out = join(fresh, 'warden.yaml');
  const exported = await cli(['--config', configPath, 'config', 'export', '--out', out]);
  assert.equal(exported.code, 0, exported.err);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /port: "\$\{env:WARDEN_TEST_EXPORT_PORT\}"/, 'references are kept as written');
  assert.match(text, /# the team's gateway/);
  assert.match(text, /id: status # kept as written/);
  assert.match(text, /name: store-bot/);
  assert.ok(!text.includes(storeKey) && !text.includes(createHash('sha256').update(storeKey).digest('hex')), 'no key and no key hash');
  const listed = await cli(['--config', configPath, 'config', 'overlay', 'list']);
  assert.match(listed.out, /route  orders/);
  assert.match(listed.out, /policy no-deletes/);

  assert.equal((await cli(['--config', out, 'config', 'check'])).code, 0);
  await w.close();
  w = undefined;

  // A fresh Warden on the export (its store path resolves under fresh/: an empty store).
  w = await start(out);
  assert.equal(w.gateway.store.listOverlay().length, 0, 'a fresh store');
  const freshKey = createKey(w.gateway.store, { consumer: 'store-bot' }).key;
  assert.deepEqual(await behaviour(w.url, freshKey), [200, 403, 200]);
  const routes = (await (await fetch(`${w.adminUrl}/admin/routes`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { routes: { id: string; source: string }[] };
  assert.deepEqual(routes.routes.map((r) => [r.id, r.source]), [['status', 'file'], ['orders', 'file']]);
});

test('cli: config check compiles rules, policy explain reads the live policy, approvals list reads the store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, `store: { driver: sqlite, path: bad.db }\npolicy:\n  policies:\n    p:\n      rules: [{ id: broken, when: 'request.method ==' }]\n`);
  const check = await cli(['--config', bad, 'config', 'check']);
  assert.equal(check.code, 1);
  assert.match(check.err, /policy\.policies\.p\.rules\[0\]\.when: CEL syntax error/);

  const badRoute = join(dir, 'bad-route.yaml');
  writeFileSync(badRoute, `store: { driver: sqlite, path: bad.db }\nroutes: [{ id: r, uri: /r, policies: [missing], upstream: { nodes: { "127.0.0.1:9": 1 } } }]\n`);
  const routeCheck = await cli(['--config', badRoute, 'config', 'check']);
  assert.equal(routeCheck.code, 1);
  assert.match(routeCheck.err, /routes\[0\]\.policies\[0\]: no policy named "missing"/);

  const good = join(dir, 'warden.yaml');
  writeFileSync(
    good,
    `store: { driver: sqlite, path: w.db }\nadmin: { keys: [{ name: alice, role: approver, key_sha256: ${createHash('sha256').update(ALICE_KEY).digest('hex')} }] }\nconsumers: [{ name: stg, labels: { level: staging } }]\npolicy:\n  rules: [{ id: staging-no-opus, when: 'consumer.labels.level == "staging" && llm.model.startsWith("claude-opus")', reason: 'opus is for production' }]\n`,
  );
  const ok = await cli(['--config', good, 'config', 'check']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /ok \(0 route\(s\), 0 named policies\)/);

  const explained = await cli(['--config', good, 'policy', 'explain', '--consumer', 'stg', '--model', 'claude-opus-4-5']);
  assert.equal(explained.code, 0, explained.err);
  assert.match(explained.out, /decision: deny 403 — opus is for production/);
  assert.match(explained.out, /decided by: rule:global\.staging-no-opus/);
  const allowed = await cli(['--config', good, 'policy', 'explain', '--consumer', 'stg', '--model', 'claude-haiku-4-5', '--json']);
  assert.equal((JSON.parse(allowed.out) as { decision: { outcome: string } }).decision.outcome, 'allow');

  // The store gets an overlay entry that breaks against this file: check names it.
  const { openSqliteStore } = await import('../src/store/sqlite.js');
  const store = openSqliteStore(join(dir, 'w.db'));
  store.putOverlay('route', 'r', { id: 'r', uri: '/r', policies: ['gone'], upstream: { nodes: { '127.0.0.1:9': 1 } } });
  store.close();
  const overlayCheck = await cli(['--config', good, 'config', 'check']);
  assert.equal(overlayCheck.code, 1);
  assert.match(overlayCheck.err, /with the admin API overlay/);
  assert.match(overlayCheck.err, /routes\[0\]\.policies\[0\]: no policy named "gone"/);
  assert.equal((await cli(['--config', good, 'config', 'overlay', 'drop', 'route', 'r'])).code, 0);
  assert.equal((await cli(['--config', good, 'config', 'check'])).code, 0);

  assert.equal((await cli(['--config', good, 'approvals', 'list'])).out, 'no pending approvals\n');
  const approvals = openSqliteApprovals(join(dir, 'w.db'));
  const pending = await approvals.create({ consumer: 'stg', door: 'hook', summary: 'Bash(git push --force)', rule: 'rule:global.ask-push', fingerprint: 'f1', approvers: [], created: Date.now(), expires: Date.now() + 60_000, grantTtlMs: 60_000 });
  approvals.close();
  const list = await cli(['--config', good, 'approvals', 'list']);
  assert.match(list.out, new RegExp(`${pending.id}  pending  consumer=stg  rule=rule:global.ask-push`));
  const keyFile = join(dir, 'alice.key');
  writeFileSync(keyFile, `${ALICE_KEY}\n`, { mode: 0o600 });
  const unauthenticated = await cli(['--config', good, 'approvals', 'approve', pending.id]);
  assert.equal(unauthenticated.code, 1);
  assert.match(unauthenticated.err, /WARDEN_E_ADMIN_UNAUTHORIZED: admin key missing/);
  const approve = await cli(['--config', good, 'approvals', 'approve', pending.id, '--admin-key-file', keyFile]);
  assert.equal(approve.code, 0, approve.err);
  assert.match((await cli(['--config', good, 'approvals', 'list', '--all'])).out, /approved by alice/);

  const help = await cli(['help']);
  assert.match(help.out, /policy explain/);
  assert.match(help.out, /approvals approve <id>/);
  assert.match(help.out, /approvals deny <id>/);
  assert.match(help.out, /config export/);
});
