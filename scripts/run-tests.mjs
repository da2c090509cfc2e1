// Runs every compiled test file — *.test.js under dist/src, dist/test and dist/bench, and nothing
// else: helpers under test/support are not tests — one `node --test` process per file, two at a
// time, and closes with one line "N passed, N failed"; exits non-zero on any failure.
//
// A file fails when it does not report all its tests: node's TAP stream of a file ends with a
// plan line `1..N` and N top-level results; a file that exits halfway (process.exit(0) in a test)
// shows as a single synthetic result named after the file, or with a missing or short plan.
//
//   node scripts/run-tests.mjs [files…] [--summary FILE] [--list]
// --list prints the test files found and runs nothing.
// --summary FILE writes {"passed","failed","files"} as JSON and prints the closing line as
// "run-tests (node vX): …" instead, for a caller (.ci/run) that adds several runs up.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { judgeTap } from './tap-judge.mjs';

const argv = process.argv.slice(2);
const si = argv.indexOf('--summary');
const summaryFile = si === -1 ? undefined : argv[si + 1];
const list = argv.includes('--list');
const given = argv.filter((a, i) => a !== '--list' && (si === -1 || (i !== si && i !== si + 1)));
const CONCURRENCY = Number(process.env.WARDEN_TEST_CONCURRENCY ?? 2);
const FILE_TIMEOUT_MS = Number(process.env.WARDEN_TEST_FILE_TIMEOUT_MS ?? 30 * 60_000);

function findTestFiles(roots) {
  const out = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (p.endsWith('.test.js')) out.push(p);
  };
  for (const r of roots) walk(r);
  return out;
}

// node's --test-timeout bounds a whole file here; the replay of the README from a fresh clone
// (npm install, build, start, Claude Code) needs longer than any other file.
const FILE_TEST_TIMEOUT_MS = { 'fresh-clone.test.js': 25 * 60_000 };

function runFile(file) {
  return new Promise((resolve) => {
    const timeout = FILE_TEST_TIMEOUT_MS[file.split('/').pop()] ?? 180_000;
    const args = ['--test', '--test-reporter=tap', `--test-timeout=${timeout}`, file];
    // Its own process group, so a timeout stops what the file started too.
    // Without NODE_TEST_CONTEXT: when this runner itself runs under a test, the child would
    // otherwise report to that parent in its binary protocol instead of printing TAP.
    const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const t = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(t);
      const r = judgeTap(file, out, code ?? 1);
      if (timedOut) {
        r.problems.push(`still running after ${FILE_TIMEOUT_MS / 60_000} min (a handle left open?); stopped`);
        r.failed += 1;
      }
      resolve({ file, out, err, ...r });
    });
  });
}

async function main() {
  const files = given.length ? given : findTestFiles(['dist/src', 'dist/test', 'dist/bench']);
  if (list) {
    process.stdout.write(files.map((f) => `${f}\n`).join(''));
    return;
  }
  let passed = 0;
  let failed = 0;
  const failedFiles = [];
  // The Claude Code binary is fetched into a cache on first use (test/support/claude-install.ts);
  // fetching it here, once, keeps that minute out of the first test's own timeout.
  const installer = join(process.cwd(), 'dist/test/support/claude-install.js');
  if (files.some((f) => /claude|fresh-clone/.test(f)) && existsSync(installer)) {
    process.stderr.write('run-tests: making sure the pinned Claude Code binary is in the cache…\n');
    try {
      const bin = await (await import(pathToFileURL(installer).href)).ensureClaude();
      process.stderr.write(`run-tests: ${bin}\n`);
    } catch (e) {
      process.stderr.write(`run-tests: could not fetch Claude Code (${e.message}); its tests will fail\n`);
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const r = await runFile(files[next++]);
      process.stdout.write(`# file: ${r.file}\n${r.out}`);
      if (r.err.trim()) process.stderr.write(r.err);
      for (const p of r.problems) process.stdout.write(`not ok - ${r.file}: ${p}\n`);
      passed += r.passed;
      failed += r.failed;
      if (r.failed) failedFiles.push(r.file);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  if (failedFiles.length) process.stdout.write(`\nfiles with failures:\n${failedFiles.map((f) => `  ${f}`).join('\n')}\n`);
  if (!files.length) failed += 1;
  if (summaryFile) {
    writeFileSync(summaryFile, JSON.stringify({ passed, failed, files: files.length, node: process.version }));
    process.stdout.write(`\nrun-tests (node ${process.version}, ${files.length} files): ${passed} pass, ${failed} fail\n`);
  } else process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();
