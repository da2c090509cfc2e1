/**
 * The `warden` command as an operator runs it: through a symlink to bin/warden.js, the way
 * npm installs it (node_modules/.bin/warden, npx, npm link, a global install).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCommands, buildProgram, main } from '../src/cli/main.js';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));

/** A folder with a `.bin/warden` symlink, a config and a started store. */
function sandbox(): { dir: string; bin: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bin-'));
  mkdirSync(join(dir, '.bin'));
  const bin = join(dir, '.bin', 'warden');
  symlinkSync(join(root, 'bin', 'warden.js'), bin);
  const config = join(dir, 'warden.yaml');
  writeFileSync(config, 'store: { driver: sqlite, path: w.db }\naudit: { dir: audit }\nconsumers: [{ name: alice, groups: [platform], models: ["claude-haiku-*"] }]\n');
  return { dir, bin, config };
}

export function runBin(bin: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The symlink itself is executed (its #! line), exactly as npm's .bin link is.
    const child = spawn(bin, args, { cwd, env: { ...process.env, WARDEN_CONFIG: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under dir with its size and hash: a command that "changes nothing" leaves this equal. */
function fingerprint(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(`${p} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out.join('\n');
}

const noop = { out: () => {}, err: () => {} };
const everyCommand = allCommands(buildProgram(noop, () => {})).map((c) => {
  const names: string[] = [];
  for (let x: typeof c | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return names;
});

test('through the bin symlink: commands run and act (keys revoke really revokes)', async (t) => {
  const { dir, bin, config } = sandbox();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const created = await runBin(bin, ['keys', 'create', '--consumer', 'alice'], dir);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^wdn_/);
  const id = /created (key_\w+)/.exec(created.stderr)![1]!;
  const revoked = await runBin(bin, ['keys', 'revoke', id], dir);
  assert.equal(revoked.code, 0, revoked.stderr);
  const list = JSON.parse((await runBin(bin, ['--config', config, 'keys', 'list', '--json'], dir)).stdout) as { id: string; revoked_at: string | null }[];
  assert.ok(list.find((k) => k.id === id)?.revoked_at, 'the key is revoked in the store');
  assert.match((await runBin(bin, ['--version'], dir)).stdout, /^\d+\.\d+\.\d+/);
});

test('--help on every command and subcommand prints its usage, exits 0 and changes nothing', async (t) => {
  const { dir, bin, config } = sandbox();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal((await runBin(bin, ['consumers', 'add', 'bob'], dir)).code, 0);
  assert.ok(everyCommand.length >= 20, `${everyCommand.length} commands`);
  const before = fingerprint(dir);
  // The whole table in-process (the same main() the bin runs); a few through the bin link.
  for (const path of [[], ...everyCommand]) {
    for (const flag of ['--help', '-h']) {
      let out = '';
      let err = '';
      const code = await main(['--config', config, ...path, flag], { out: (s) => (out += s), err: (s) => (err += s) });
      const what = `${path.join(' ')} ${flag}`;
      assert.equal(code, 0, `${what}: ${err}`);
      assert.match(out, new RegExp(`^Usage: warden${path.length ? ` ${path.join(' ')}` : ''}[ \\n]`), what);
      assert.equal(err, '', what);
      assert.equal(fingerprint(dir), before, `${what} changed the folder`);
    }
  }
  for (const path of [['keys', 'revoke'], ['admin-key'], ['config', 'check'], ['start']]) {
    const r = await runBin(bin, [...path, '--help'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: warden ${path.join(' ')} `));
    assert.doesNotMatch(r.stdout, /admin key \(shown once\)|: ok \(/, 'help only prints');
  }
  assert.equal(fingerprint(dir), before);
});

test('exit codes: 0 ok, 1 failure, 2 usage; errors are one WARDEN_E_ line without a stack trace', async (t) => {
  const { dir, bin } = sandbox();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal((await runBin(bin, ['consumers', 'add', 'bob'], dir)).code, 0);
  const cases: { args: string[]; code: number; err: RegExp }[] = [
    { args: [], code: 2, err: /^Usage: warden/ },
    { args: ['nope'], code: 2, err: /^WARDEN_E_USAGE: unknown command 'nope'/ },
    { args: ['keys'], code: 2, err: /^Usage: warden keys/ },
    { args: ['keys', 'lst'], code: 2, err: /^WARDEN_E_USAGE: unknown command 'lst'/ },
    { args: ['keys', 'create'], code: 2, err: /^WARDEN_E_USAGE: required option '--consumer <name>'/ },
    { args: ['keys', 'list', '--bogus'], code: 2, err: /^WARDEN_E_USAGE: unknown option '--bogus'/ },
    { args: ['keys', 'revoke'], code: 2, err: /^WARDEN_E_USAGE: missing required argument 'key-id'/ },
    { args: ['start', '--port', 'x'], code: 2, err: /^WARDEN_E_USAGE: option '--port <n>' argument 'x' is invalid/ },
    { args: ['usage', '--by', 'planet'], code: 2, err: /^WARDEN_E_USAGE: option '--by <group>' argument 'planet' is invalid/ },
    { args: ['keys', 'revoke', 'key_nope'], code: 1, err: /^WARDEN_E_ADMIN_NOT_FOUND: key key_nope does not exist/ },
    { args: ['keys', 'create', '--consumer', 'nobody'], code: 1, err: /^WARDEN_E_ADMIN_BAD_INPUT: consumer: "nobody" does not exist/ },
    { args: ['--config', 'missing.yaml', 'keys', 'list'], code: 1, err: /^WARDEN_E_CONFIG_INVALID: invalid config .*missing\.yaml/ },
    { args: ['config', 'check'], code: 0, err: /^$/ },
  ];
  for (const c of cases) {
    const r = await runBin(bin, c.args, dir);
    assert.equal(r.code, c.code, `${c.args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, c.err, c.args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${c.args.join(' ')}: no stack trace`);
  }
  const debug = await runBin(bin, ['--debug', '--config', join(dir, 'warden.yaml'), 'keys', 'revoke', 'key_nope'], dir);
  assert.match(debug.stderr, /\n\s+at /, '--debug shows the stack');
});

test('a closed pipe (warden … | head) ends the command quietly', async (t) => {
  const { dir, bin } = sandbox();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('sh', ['-c', `"${bin}" config schema | head -c 1 >/dev/null; "${bin}" policy schema | head -n 1 >/dev/null`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

test('in a folder with no config: store commands name the config and store and create none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-empty-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { bin } = sandbox();
  for (const args of [['keys', 'list'], ['keys', 'create', '--consumer', 'local-dev'], ['consumers', 'add', 'x'], ['usage'], ['approvals', 'list']]) {
    const r = await runBin(bin, args, dir);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /^WARDEN_E_STORE_MISSING: no store at .*\.warden\/warden\.db \(config: the built-in default \(no warden\.yaml in /, args.join(' '));
    assert.deepEqual(readdirSync(dir), [], `${args.join(' ')} created nothing`);
  }
});

test('commands that manage keys, consumers, approvals, usage and audit need no provider secret', async (t) => {
  const { dir, bin } = sandbox();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'warden.yaml');
  writeFileSync(config, `${readFileSync(config, 'utf8')}providers: { anthropic: { type: anthropic, api_key: "\${env:WARDEN_TEST_NEVER_SET}" } }\nmodels: [{ match: "claude-*", provider: anthropic }]\n`);
  const env = { WARDEN_TEST_NEVER_SET: undefined };
  for (const args of [['consumers', 'add', 'bob'], ['keys', 'create', '--consumer', 'alice'], ['keys', 'list'], ['consumers', 'list'], ['usage'], ['approvals', 'list'], ['audit', 'tail']]) {
    const r = await runBin(bin, args, dir, env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const check = await runBin(bin, ['config', 'check'], dir, env);
  assert.equal(check.code, 1, 'config check resolves everything');
  assert.match(check.stderr, /providers\.anthropic\.api_key: environment variable WARDEN_TEST_NEVER_SET is not set/);
});

test('consumers add refuses to overwrite without --replace; keys create outside the consumer scope is refused', async (t) => {
  const { dir, bin } = sandbox();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal((await runBin(bin, ['consumers', 'add', 'bob', '--models', 'claude-haiku-*'], dir)).code, 0);
  const again = await runBin(bin, ['consumers', 'add', 'bob'], dir);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^WARDEN_E_ADMIN_CONFLICT: consumer bob already exists .*--replace/);
  assert.equal((await runBin(bin, ['consumers', 'add', 'bob', '--replace', '--models', 'claude-sonnet-*'], dir)).code, 0);
  const cases: { consumer: string; models: string; code: number }[] = [
    { consumer: 'alice', models: 'claude-haiku-*', code: 0 },
    { consumer: 'alice', models: 'claude-haiku-4-5', code: 0 },
    { consumer: 'alice', models: 'claude-*', code: 1 },
    { consumer: 'alice', models: 'claude-opus-4-5', code: 1 },
    { consumer: 'bob', models: 'claude-sonnet-4*', code: 0 },
    { consumer: 'bob', models: 'claude-haiku-4-5', code: 1 },
  ];
  for (const c of cases) {
    const r = await runBin(bin, ['keys', 'create', '--consumer', c.consumer, '--models', c.models], dir);
    assert.equal(r.code, c.code, `${c.consumer} ${c.models}: ${r.stderr}`);
    if (c.code) assert.match(r.stderr, new RegExp(`outside the scope of consumer ${c.consumer}`));
  }
  const rm = await runBin(bin, ['consumers', 'remove', 'bob'], dir);
  assert.equal(rm.code, 1, 'bob has an active key');
  assert.equal((await runBin(bin, ['consumers', 'remove', 'bob', '--revoke-keys'], dir)).code, 0);
  assert.doesNotMatch((await runBin(bin, ['consumers', 'list'], dir)).stdout, /^bob\t/m);
});

test('config check: a CEL field typo, an attachment to no route and a misnamed route policy are reported in one run with their paths, exit 1', async (t) => {
  const { dir, bin } = sandbox();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'warden.yaml');
  writeFileSync(
    config,
    `${readFileSync(config, 'utf8')}routes: [{ id: orders, uri: "/orders/*", upstream: { nodes: { "127.0.0.1:9": 1 } }, policies: [read-only] }]
policy:
  rules:
    - { id: ok, when: 'consumer.name == "alice"' }
    - { id: typo, when: 'consumer.labels.level == "prod" && consumer.nmae == "bob"' }
  policies: { readonly: { rules: [{ id: w, when: 'request.method != "GET"' }] } }
  attach: { routes: { ordres: [readonly] }, consumers: { only-in-store: [readonly] } }
`,
  );
  const r = await runBin(bin, ['config', 'check'], dir);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines[0], `WARDEN_E_CONFIG_INVALID: invalid config ${config}:`);
  assert.deepEqual(lines.slice(1).map((l) => l.replace(/ \(.*$/, '')), [
    '  - routes[0].policies[0]: no policy named "read-only" under policy.policies',
    '  - policy.rules[1].when: unknown field consumer.nmae',
    '  - policy.attach.routes.ordres: no route or provider named "ordres"',
  ]);
  assert.match(r.stderr, /unknown field consumer\.nmae \(known: name, groups, labels, models\)/);
});

test('config check: a file attachment may name a route the admin API created (a start compiles them together)', async (t) => {
  const { dir, bin, config } = sandbox();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(config, `${readFileSync(config, 'utf8')}policy: { policies: { p: {} }, attach: { routes: { api: [p] } } }\n`);
  const before = await runBin(bin, ['config', 'check'], dir);
  assert.equal(before.code, 1);
  assert.match(before.stderr, /policy\.attach\.routes\.api: no route or provider named "api"/);
  const { openSqliteStore } = await import('../src/store/sqlite.js');
  const store = openSqliteStore(join(dir, 'w.db'));
  store.putOverlay('route', 'api', { id: 'api', uri: '/api/*', upstream: { nodes: { '127.0.0.1:9': 1 } } });
  store.close();
  const after = await runBin(bin, ['config', 'check'], dir);
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stdout, /with the admin API overlay \(1 entry\)/);
});
