import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli-process.js';

test('config check names the path and what to fix; keys create, list, revoke and rotate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'server: { prot: 80 }\nmodels: [{ match: "*", provider: anthropc }]\nproviders: { anthropic: { type: anthropic, api_key: "${env:WARDEN_TEST_UNSET_VAR}" } }\n');
  const check = await runCli(['--config', bad, 'config', 'check']);
  assert.equal(check.code, 1);
  assert.match(check.stderr, /WARDEN_E_CONFIG_INVALID/);
  assert.match(check.stderr, /providers\.anthropic\.api_key: environment variable WARDEN_TEST_UNSET_VAR is not set/);

  const bad2 = join(dir, 'bad2.yaml');
  writeFileSync(bad2, 'server: { prot: 80 }\nmodels: [{ match: "*", provider: anthropc }]\n');
  const check2 = await runCli(['--config', bad2, 'config', 'check']);
  assert.match(check2.stderr, /server: unknown field\(s\) "prot"/);

  const good = join(dir, 'warden.yaml');
  writeFileSync(good, `store: { driver: sqlite, path: ${dir}/w.db }\nconsumers: [{ name: ci-bot, labels: { level: sandbox } }]\n`);
  assert.equal((await runCli(['--config', good, 'config', 'check'])).code, 0);

  const created = await runCli(['--config', good, 'keys', 'create', '--consumer', 'ci-bot', '--models', 'claude-haiku-*', '--expires-in', '30d']);
  assert.equal(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^wdn_[0-9A-Za-z]{42}$/);
  const list = await runCli(['--config', good, 'keys', 'list', '--json']);
  const keys = JSON.parse(list.stdout) as Array<{ id: string; hint: string; models: string[]; expires_at: string }>;
  assert.equal(keys.length, 1);
  assert.deepEqual(keys[0]!.models, ['claude-haiku-*']);
  assert.ok(!list.stdout.includes(key), 'a listed key never shows the key');
  const rotated = await runCli(['--config', good, 'keys', 'rotate', keys[0]!.id]);
  assert.equal(rotated.code, 0);
  assert.notEqual(rotated.stdout.trim(), key);
  const revoke = await runCli(['--config', good, 'keys', 'revoke', keys[0]!.id]);
  assert.equal(revoke.code, 1, 'already revoked by the rotation');
  const unknown = await runCli(['--config', good, 'keys', 'create', '--consumer', 'nobody']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /consumer: "nobody" does not exist/);
});
