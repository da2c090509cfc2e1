/**
 * The docs are true: every yaml block in README.md and docs/*.md loads and compiles as a
 * config (each block alone against the schema; a file's blocks together through what a start
 * compiles, since a route may name a policy shown in the next block), and every `warden …`
 * command line of README.md runs, through the bin, against a store made from the README's
 * own config, and does not fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfig, validateConfig } from '../src/config/load.js';
import { checkSnapshotConfig } from '../src/runtime/snapshot.js';
import { runCli, spawnCli, waitForOutput } from './support/cli-process.js';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

export function fencedBlocks(text: string, lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!);
  return out;
}

/** Referenced variables get a stand-in value: the example shows the reference, the test provides it. */
function provideEnv(text: string): void {
  for (const m of text.matchAll(/\$\{env:([^}]+)\}/g)) process.env[m[1]!.trim()] ??= 'x'.repeat(32);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    if (Array.isArray(cur) && Array.isArray(v)) out[k] = [...cur, ...v];
    else if (cur && v && typeof cur === 'object' && typeof v === 'object' && !Array.isArray(v)) out[k] = merge(cur as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

test('every yaml block of the docs is a config that loads and compiles', () => {
  let blocks = 0;
  for (const file of docs) {
    const yamls = fencedBlocks(readFileSync(join(root, file), 'utf8'), 'yaml');
    let merged: Record<string, unknown> = {};
    yamls.forEach((y, i) => {
      provideEnv(y);
      blocks++;
      assert.doesNotThrow(() => parseConfig(y, `${file} yaml block ${i + 1}`, root), (e: Error) => e.message);
      merged = merge(merged, (parse(y) ?? {}) as Record<string, unknown>);
    });
    if (yamls.length) {
      const text = JSON.stringify(merged);
      assert.doesNotThrow(() => checkSnapshotConfig(validateConfig(JSON.parse(text.replace(/\$\{env:([^}]+)\}/g, 'x'.repeat(32))), `${file} (all yaml blocks)`)));
    }
  }
  assert.ok(blocks >= 10, `${blocks} yaml blocks checked`);
});

test("README's warden commands run against a store made from the README's config", { timeout: 10 * 60_000 }, async (t) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const config = fencedBlocks(readme, 'yaml')[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'warden-readme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'warden.yaml');
  writeFileSync(cfg, config);
  // config check / export and policy explain resolve the whole file, as a start would.
  const env = { WARDEN_CONFIG: cfg, ANTHROPIC_API_KEY: 'sk-ant-api03-readme-example' };
  // As the README's reader did: Warden was started once on this config (store and audit exist).
  const server = spawnCli(['start', '--port', '0', '--admin-port', '0'], { cwd: dir, env });
  await waitForOutput(server, /Point Claude Code at it/);
  server.kill('SIGINT');
  await new Promise((r) => server.once('close', r));
  const lines = fencedBlocks(readme, 'sh')
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('npx warden '));
  assert.ok(lines.length >= 12, `${lines.length} commands`);
  let keyId = '';
  for (const line of lines) {
    const args = line
      .slice('npx warden '.length)
      .match(/'[^']*'|\S+/g)!
      .map((a) => a.replace(/^'(.*)'$/, '$1'));
    if (args.includes('key_…')) {
      // The README's placeholder stands for a real key id: a fresh one for each use.
      const made = await runCli(['keys', 'create', '--consumer', 'alice'], { cwd: dir, env });
      keyId = /created (key_\w+)/.exec(made.stderr)?.[1] ?? '';
      args[args.indexOf('key_…')] = keyId;
    }
    if (args[0] === 'approvals' && args.length > 2) continue;
    const r = await runCli(args, { cwd: dir, env });
    assert.equal(r.code, 0, `${line}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /WARDEN_E_|^\s+at .+:\d+:\d+\)?$/m, line);
  }
});
