/**
 * `warden scan` on fixture repositories generated here: a clean one (nothing found), then one
 * planted problem per check, each found by its rule. Secrets are built at run time so this
 * file carries none for scanners to trip on. The SARIF is validated against the SARIF 2.1.0
 * JSON Schema (the OASIS 2.1.0-rtm.5 schema shipped in @microsoft/jest-sarif, a draft-04
 * schema, read with ajv-draft-04), then checked for the parts GitHub code scanning requires.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { claudeCodePermissions } from '../src/policy/permissions/claude-code-syntax.js';
import { runCli } from './support/cli-process.js';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv-draft-04';

const AWS_KEY = ['AKIA', 'QYLPMN5HFIQR7XZB'].join('');
const GITHUB_PAT = ['ghp_', 'R8mZq2Lk7VxT4nB9cW1yH6pJ3sD0fG5aE2uK'].join('');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function write(root: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), text);
  }
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'pipe' });

const CLEAN: Record<string, string> = {
  '.gitignore': '.env\n.env.*\n!.env.example\nnode_modules/\n',
  '.env.example': 'API_KEY=\n',
  '.claude/settings.json': JSON.stringify({ permissions: { deny: claudeCodePermissions().deny } }, null, 2),
  'package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { express: '4.19.2' }, devDependencies: { typescript: '5.9.3' } }, null, 2),
  'package-lock.json': '{"lockfileVersion":3}\n',
  'requirements.txt': 'requests==2.32.3\nflask==3.0.3  # web\n',
  Dockerfile: 'FROM node:22.12.0@sha256:' + 'a'.repeat(64) + ' AS build\nFROM build\n',
  'src/index.ts': 'export const port = Number(process.env.PORT ?? 3000);\n',
};

/** A git repository with the clean files committed, then `change` applied (and committed unless told). */
function repo(change: (root: string) => void = () => undefined): string {
  const root = mkdtempSync(join(tmpdir(), 'warden-scan-'));
  dirs.push(root);
  git(root, 'init', '-q');
  write(root, CLEAN);
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'clean');
  change(root);
  return root;
}

interface Finding { rule: string; severity: string; file?: string; line?: number; message: string }

async function scan(root: string, ...flags: string[]): Promise<{ code: number | null; findings: Finding[]; stdout: string; stderr: string }> {
  const r = await runCli(['scan', root, '--json', ...flags], { timeoutMs: 120_000 });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, findings: r.code === 0 || r.code === 1 ? (JSON.parse(r.stdout) as { findings: Finding[] }).findings : [] };
}

test('a clean repository: nothing found, exit 0', async () => {
  const r = await scan(repo(), '--fail-on', 'info');
  assert.deepEqual(r.findings, [], r.stderr);
  assert.equal(r.code, 0);
});

const PLANTED: { rule: string; what: string; plant: (root: string) => void; flags?: string[] }[] = [
  { rule: 'WS001', what: 'a secret in a file', plant: (r) => write(r, { 'config/aws.ini': `[default]\naws_access_key_id = ${AWS_KEY}\n` }) },
  {
    rule: 'WS002',
    what: 'a secret committed, then deleted: only the history has it',
    plant: (r) => {
      write(r, { 'deploy.sh': `export GITHUB_TOKEN=${GITHUB_PAT}\n` });
      git(r, 'add', '-A');
      git(r, 'commit', '-qm', 'oops');
      rmSync(join(r, 'deploy.sh'));
      git(r, 'add', '-A');
      git(r, 'commit', '-qm', 'remove');
    },
  },
  { rule: 'WS003', what: 'a .env file git does not ignore', plant: (r) => write(r, { '.gitignore': 'node_modules/\n', '.env': 'DEBUG=1\n' }) },
  { rule: 'WS004', what: 'no Claude Code settings', plant: (r) => rmSync(join(r, '.claude'), { recursive: true }) },
  { rule: 'WS005', what: 'Claude Code settings that do not deny rm -rf', plant: (r) => write(r, { '.claude/settings.json': JSON.stringify({ permissions: { deny: ['Bash(sudo *)', 'Bash(git push --force*)', 'Bash(git reset --hard*)', 'Bash(chmod 777*)'] } }) }) },
  { rule: 'WS006', what: '.mcp.json with a literal token', plant: (r) => write(r, { '.mcp.json': JSON.stringify({ mcpServers: { gh: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: `Bearer ${GITHUB_PAT}` } } } }, null, 2) }) },
  { rule: 'WS008', what: 'package.json without a lockfile', plant: (r) => rmSync(join(r, 'package-lock.json')) },
  { rule: 'WS009', what: 'an unpinned npm dependency', plant: (r) => write(r, { 'package.json': JSON.stringify({ name: 'app', dependencies: { express: '^4.19.2' } }, null, 2) }) },
  { rule: 'WS009', what: 'an unpinned Python requirement', plant: (r) => write(r, { 'requirements.txt': 'requests>=2.0\n' }) },
  { rule: 'WS010', what: 'an image on :latest', plant: (r) => write(r, { 'Dockerfile': 'FROM node:latest\n' }) },
  { rule: 'WS010', what: 'an image without a tag', plant: (r) => write(r, { 'docker/api.Dockerfile': 'FROM python\n' }) },
];

for (const p of PLANTED) {
  test(`planted: ${p.what} → ${p.rule}, and nothing else`, async () => {
    const r = await scan(repo(p.plant), '--fail-on', 'never', ...(p.flags ?? []));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.findings.length >= 1, `${p.rule} not found`);
    assert.deepEqual([...new Set(r.findings.map((f) => f.rule))], [p.rule], JSON.stringify(r.findings));
    assert.ok(!r.stdout.includes(AWS_KEY) && !r.stdout.includes(GITHUB_PAT), 'the report never shows the secret');
  });
}

async function serve(status: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp` };
}

test('--probe-mcp: an MCP server answering without credentials is found (WS007); one answering 401 is not', async () => {
  const open = await serve(200);
  const locked = await serve(401);
  try {
    const root = repo((r) => write(r, { '.mcp.json': JSON.stringify({ mcpServers: { open: { type: 'http', url: open.url, headers: { Authorization: 'Bearer ${TOKEN}' } }, locked: { type: 'http', url: locked.url } } }) }));
    const without = await scan(root, '--fail-on', 'never');
    assert.deepEqual(without.findings, [], 'no request without --probe-mcp');
    const r = await scan(root, '--probe-mcp', '--fail-on', 'never');
    assert.deepEqual(r.findings.map((f) => f.rule), ['WS007']);
    assert.match(r.findings[0]!.message, /"open" .* answered 200/);
  } finally {
    open.server.close();
    locked.server.close();
  }
});

test('--fail-on: exit 1 at or above the severity, 0 below it', async () => {
  const root = repo((r) => write(r, { 'Dockerfile': 'FROM node\n' }));
  assert.equal((await scan(root, '--fail-on', 'medium')).code, 1);
  assert.equal((await scan(root, '--fail-on', 'high')).code, 0);
  const bad = await runCli(['scan', root, '--fail-on', 'severe']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^WARDEN_E_USAGE: --fail-on must be one of/m);
});

test('outside git: .gitignore is honoured by the walker', async () => {
  const root = mkdtempSync(join(tmpdir(), 'warden-scan-plain-'));
  dirs.push(root);
  write(root, { ...CLEAN, '.gitignore': 'secrets/\n*.log\n', 'secrets/aws.ini': `aws_access_key_id = ${AWS_KEY}\n`, 'debug.log': `aws_access_key_id = ${AWS_KEY}\n`, 'app/aws.ini': `aws_access_key_id = ${AWS_KEY}\n` });
  const r = await scan(root, '--fail-on', 'never');
  assert.deepEqual(r.findings.map((f) => `${f.rule} ${f.file}`), ['WS001 app/aws.ini']);
});

test('SARIF 2.1.0 as GitHub code scanning takes it: rules, ruleId, level, relative uri and region', async () => {
  const root = repo((r) => write(r, { 'config/aws.ini': `[default]\naws_access_key_id = ${AWS_KEY}\n`, Dockerfile: 'FROM node:latest\n' }));
  const r = await runCli(['scan', root, '--sarif', '--fail-on', 'never']);
  assert.equal(r.code, 0, r.stderr);
  const sarif = JSON.parse(r.stdout);
  const schemaFile = createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const Ajv = (AjvModule as unknown as { default: typeof AjvModule.default }).default ?? AjvModule;
  const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }).compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  const valid: boolean = validate(sarif);
  assert.ok(valid, `SARIF does not validate against the 2.1.0 schema: ${JSON.stringify(validate.errors?.slice(0, 5))}`);
  // The validator is not a formality: a result without its message is refused.
  assert.equal(validate({ ...sarif, runs: [{ ...sarif.runs[0], results: [{ ruleId: 'WS001' }] }] }), false);
  assert.equal(sarif.version, '2.1.0');
  assert.match(sarif.$schema, /sarif-2\.1\.0/);
  assert.equal(sarif.runs.length, 1);
  const run = sarif.runs[0];
  const driver = run.tool.driver;
  assert.equal(typeof driver.name, 'string');
  const ids = driver.rules.map((x: { id: string }) => x.id);
  for (const rule of driver.rules) {
    assert.match(rule.id, /^WS\d{3}$/);
    assert.equal(typeof rule.shortDescription.text, 'string');
    assert.ok(['error', 'warning', 'note', 'none'].includes(rule.defaultConfiguration.level));
  }
  assert.deepEqual(run.results.map((x: { ruleId: string }) => x.ruleId).sort(), ['WS001', 'WS010']);
  for (const res of run.results) {
    assert.ok(ids.includes(res.ruleId));
    assert.equal(driver.rules[res.ruleIndex].id, res.ruleId);
    assert.ok(['error', 'warning', 'note', 'none'].includes(res.level));
    assert.equal(typeof res.message.text, 'string');
    const loc = res.locations[0].physicalLocation;
    assert.ok(!loc.artifactLocation.uri.startsWith('/') && !/^[a-z]+:/.test(loc.artifactLocation.uri), 'relative uri');
    assert.ok(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1);
  }
  const secret = run.results.find((x: { ruleId: string }) => x.ruleId === 'WS001');
  assert.deepEqual([secret.locations[0].physicalLocation.artifactLocation.uri, secret.locations[0].physicalLocation.region.startLine], ['config/aws.ini', 2]);
  assert.ok(!r.stdout.includes(AWS_KEY));
});
