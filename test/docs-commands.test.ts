/**
 * The docs' commands are true. Every `warden …` / `npx warden …` line of a fenced
 * sh/bash/console block in docs/*.md runs, through a shell (so `VAR=… warden`, `$(cat ~/…)`
 * work as written), against a test instance: a temp folder with the config below, a store
 * and audit log made by one start, and HOME pointing into it. Placeholders (`apr_…`, `key_…`)
 * become real ids made for that line. Each must exit with the code its shown output implies
 * (0, or 1 when it shows a WARDEN_E_ error), print no stack trace, and print every output line
 * the doc shows (ids, times and the config path normalised). Every synopsis (`text` blocks,
 * docs/cli.md's table) names commands and flags that exist, every leaf command is in that
 * table, every docs/ link of README.md and every repository file the docs name exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteApprovals } from '../src/approvals/sqlite.js';
import { allCommands, buildProgram } from '../src/cli/main.js';
import { cliCommand, runCli, spawnCli, waitForOutput } from './support/cli-process.js';
import { docCommands, docSynopses, inlineSynopses, synopsisProblems, tableSynopses, type DocCommand } from './support/doc-commands.js';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));
const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
const read = (f: string) => readFileSync(join(root, f), 'utf8');

/**
 * Lines that are not run, each with why. Keep it short: every entry must match a doc line
 * (an entry nothing matches fails the test, so the table cannot rot). Empty today: no doc
 * line needs what a one-shot run cannot give. A line that runs until stopped (`warden start`,
 * `audit tail -f`) is killed after 30 s and fails; it goes here, e.g.
 * `{ match: /^warden start\b/, why: 'runs the gateway until stopped; test/cli.test.ts starts it' }`.
 */
const SKIP: { match: RegExp; why: string }[] = [];

/** What the docs' transcripts assume: the consumers, admin keys and rules they name. */
const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const ADMIN_KEYS = { lead: 'wadm_lead_docs_0123456789abcdefghijklmn', olga: 'wadm_olga_docs_0123456789abcdefghijklmn' };
const CONFIG = `providers:
  anthropic:
    type: anthropic
    api_key: \${env:ANTHROPIC_API_KEY}
models:
  - { match: "claude-*", provider: anthropic }
consumers:
  - { name: claude-code-staging, groups: [agents], labels: { level: staging } }
admin:
  keys:
    - { name: lead, key_sha256: ${sha(ADMIN_KEYS.lead)}, role: approver, groups: [platform-team] }
    - { name: olga, key_sha256: ${sha(ADMIN_KEYS.olga)}, role: approver, groups: [db-owners] }
policy:
  acl:
    allow: { consumers: [claude-code-staging] }
  rules:
    - id: no-prod
      when: 'request != null && request.path.startsWith("/api/prod")'
      reason: not for staging agents
    - id: prod-write
      when: 'request != null && request.method == "POST" && request.path.startsWith("/api/database")'
      action: ask
      approvers: [platform-team]
`;
/** The config the `config check` transcripts were taken on: the two typos their output names. */
const TYPO_CONFIG = `providers:
  anthropic: { type: anthropic, api_key: x }
  mock: { type: mock }
models:
  - { match: "claude-*", provider: anthropc }
consumers:
  - { name: alice }
  - { name: bob, modles: ["claude-*"] }
`;

function sh(line: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', line], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => (clearTimeout(t), resolve({ code, out })));
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A shown output line as a pattern: placeholder ids, ISO times and the doc's home path vary. */
function shownLine(line: string, configPath: string): RegExp {
  const src = escape(line.trim().replace(/\s+/g, ' '))
    .replace(/(apr|key|grt)_\w*…/g, '$1_\\w+')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '\\S+')
    .replace(escape('/home/me/warden/warden.yaml'), escape(configPath));
  return new RegExp(src);
}

test('every warden line of a sh/console block in docs/*.md runs as the doc says', { timeout: 10 * 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-docs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'warden.yaml'), CONFIG);
  mkdirSync(join(dir, '.warden'));
  for (const [name, key] of Object.entries(ADMIN_KEYS)) writeFileSync(join(dir, '.warden', `${name}.key`), `${key}\n`, { mode: 0o600 });
  // `warden` on PATH is this checkout's bin, as npm links it; `npx warden` is the same bin
  // (run as `warden`: npx in a folder without the package would try the registry).
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const c = cliCommand([]);
  writeFileSync(join(bin, 'warden'), `#!/bin/sh\nexec ${[c.cmd, ...c.args].map((a) => `'${a}'`).join(' ')} "$@"\n`);
  chmodSync(join(bin, 'warden'), 0o755);
  // WARDEN_LOGIN_DIR: `warden login --key` in the docs stores into the test folder, never into the user's own config folder.
  const env = { HOME: dir, PATH: `${bin}:${process.env.PATH}`, ANTHROPIC_API_KEY: 'sk-ant-api03-docs-example', WARDEN_CONFIG: '', WARDEN_LOGIN_DIR: join(dir, '.config', 'warden') };
  // As a reader of the docs did: Warden was started once on this config (store and audit exist).
  const server = spawnCli(['start', '--port', '0', '--admin-port', '0'], { cwd: dir, env });
  await waitForOutput(server, /Point Claude Code at it/);
  server.kill('SIGINT');
  await new Promise((r) => server.once('close', r));
  const typoDir = mkdtempSync(join(tmpdir(), 'warden-docs-typo-'));
  t.after(() => rmSync(typoDir, { recursive: true, force: true }));
  writeFileSync(join(typoDir, 'warden.yaml'), TYPO_CONFIG);

  const commands: DocCommand[] = docs.flatMap((f) => docCommands(f, read(f)));
  assert.ok(commands.length >= 4, `${commands.length} commands`);
  const used = new Set<number>();
  let ran = 0;
  for (const cmd of commands) {
    const skip = SKIP.findIndex((s) => s.match.test(cmd.line));
    if (skip >= 0) {
      used.add(skip);
      continue;
    }
    const approvals = openSqliteApprovals(join(dir, '.warden', 'warden.db'));
    const ids = new Map<string, string>();
    let line = cmd.line.replace(/^npx warden/, 'warden');
    for (const ph of new Set(line.match(/(?:apr|key|grt)_\w*…/g) ?? [])) {
      if (ph.startsWith('apr_')) {
        const now = Date.now();
        const a = await approvals.create({ consumer: 'claude-code-staging', door: 'http', summary: 'http · POST /api/database/query', rule: 'rule:global.prod-write', fingerprint: `docs-${Math.random()}`, approvers: ['platform-team'], created: now, expires: now + 3_600_000, grantTtlMs: 8 * 3_600_000 });
        ids.set(ph, a.id);
      } else if (ph.startsWith('grt_')) {
        const made = await runCli(['grants', 'create', '--consumer', 'alice', '--role', 'reader', '--for', '1h'], { cwd: dir, env });
        ids.set(ph, /grant (grt_\w+)/.exec(made.stdout)?.[1] ?? assert.fail(made.stdout + made.stderr));
      } else {
        const made = await runCli(['keys', 'create', '--consumer', 'claude-code-staging'], { cwd: dir, env });
        ids.set(ph, /created (key_\w+)/.exec(made.stderr)?.[1] ?? assert.fail(made.stderr));
      }
    }
    approvals.close();
    for (const [ph, id] of ids) line = line.split(ph).join(id);
    if (/<[a-z-]+>/.test(line)) assert.fail(`${cmd.where}: placeholder the test does not fill: ${line}`);
    const cwd = cmd.output.some((l) => l.startsWith('WARDEN_E_CONFIG_INVALID')) ? typoDir : dir;
    const r = await sh(line, cwd, env);
    ran++;
    assert.equal(r.code, cmd.code, `${cmd.where}: ${cmd.line} exited ${r.code}, the doc implies ${cmd.code}:\n${r.out}`);
    assert.doesNotMatch(r.out, /^\s+at .+:\d+:\d+\)?$|WARDEN_E_INTERNAL/m, `${cmd.where}: ${cmd.line} printed a stack trace:\n${r.out}`);
    // docs/cli.md: errors are one line `WARDEN_E_…: message` on stderr, whichever command failed.
    if (cmd.code !== 0) assert.match(r.out, /^WARDEN_E_[A-Z_]+: \S/m, `${cmd.where}: ${cmd.line} failed without a WARDEN_E_ line:\n${r.out}`);
    const actual = r.out.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).join('\n');
    for (const shown of cmd.output) assert.match(actual, shownLine(shown, join(cwd, 'warden.yaml')), `${cmd.where}: ${cmd.line} did not print the line the doc shows:\n  ${shown}\nit printed:\n${r.out}`);
  }
  assert.ok(ran >= 4, `${ran} commands ran`);
  SKIP.forEach((s, i) => assert.ok(used.has(i), `skip entry ${s.match} matches no doc line: remove it`));
});

test('every synopsis in the docs (text blocks, inline `warden …` spans, the table of docs/cli.md) names commands and flags that exist, and docs/cli.md lists every command', () => {
  const program = buildProgram({ out: () => {}, err: () => {} }, () => {});
  const synopses = [
    ...docs.flatMap((f) => docSynopses(f, read(f))),
    ...['README.md', ...docs].flatMap((f) => inlineSynopses(f, read(f), program.commands.filter((c) => c.commands.length).map((c) => c.name()))),
    ...tableSynopses('docs/cli.md', read('docs/cli.md')),
  ];
  assert.ok(synopses.length >= 20, `${synopses.length} synopses`);
  const problems = synopses.flatMap((s) => synopsisProblems(program, s.line).map((p) => `${s.where}: ${p}`));
  assert.deepEqual(problems, []);
  const table = tableSynopses('docs/cli.md', read('docs/cli.md')).map((s) => s.line).join('\n');
  const leaves = allCommands(program).filter((c) => !c.commands.length && c.name() !== 'help');
  const path = (c: { name(): string; parent: unknown }) => {
    const names: string[] = [];
    for (let x = c as { name(): string; parent: unknown } | null; x?.parent; x = x.parent as typeof x) names.unshift(x.name());
    return names;
  };
  const missing = leaves.map(path).filter((p) => !new RegExp(`warden ${p.map((w, i) => (i === p.length - 1 ? `(?:[\\w-]+\\|)*${w}\\b` : w)).join(' ')}`).test(table));
  assert.deepEqual(missing, [], 'commands missing from the table of docs/cli.md');
});

test('every docs/ link of README.md exists', () => {
  const links = [...read('README.md').matchAll(/\]\((docs\/[^)#\s]+)/g), ...read('README.md').matchAll(/(?<![\w/])(docs\/[\w.-]+\.\w+)/g)].map((m) => m[1]!);
  assert.ok(links.length >= 10, `${links.length} links`);
  assert.deepEqual([...new Set(links)].filter((l) => !existsSync(join(root, l))), []);
});

test('every repository file the docs name exists', () => {
  const named = ['README.md', ...docs].flatMap((f) =>
    [...read(f).matchAll(/(?<![\w./-])((?:src|test|bench|scripts|bin|examples|docs)\/[\w./-]+\.(?:ts|json|js|yaml|md|sh))(?!\w)/g)]
      .map((m) => ({ f, p: m[1]! }))
      // bench/.run/<time>/ holds a benchmark run's output, made when it runs, not kept in git.
      .filter(({ p }) => !p.startsWith('bench/.run/')),
  );
  assert.ok(named.length >= 30, `${named.length} paths`);
  assert.deepEqual(named.filter(({ p }) => !existsSync(join(root, p))).map(({ f, p }) => `${f}: ${p}`), []);
});
