// Runs every compiled test file (dist/src/**/*.test.js, dist/test/**/*.test.js, and the bench
// harness's own unit tests dist/bench/lib/*.test.js) with node's test runner and closes with one
// line "N passed, N failed"; exits non-zero on any failure. Arguments, if given, name the files.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Only *.test.js files are tests: helpers beside them (test/support/…) must not count as passing tests. */
function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const files = process.argv.length > 2 ? process.argv.slice(2) : ['dist/src', 'dist/test', 'dist/bench'].filter((d) => existsSync(d)).flatMap(testFiles);
if (!files.length) {
  process.stdout.write('run-tests: no test files found (did the build run?)\n0 passed, 1 failed\n');
  process.exit(1);
}
const exitGuard = fileURLToPath(new URL('./test-exit-guard.mjs', import.meta.url));
// No --test-force-exit: on Node 20 it let a file's process exit while its awaited subtests
// were still being created, so tests went unreported and the run still passed. A leaked
// handle is caught by the watchdog below instead, which fails the run.
const args = ['--test', '--test-reporter=tap', '--test-timeout=180000', '--test-concurrency=2', '--import', exitGuard, ...files];
// Its own process group, so the watchdog can stop the test files it started too.
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env, detached: true });
const WATCHDOG_MS = Number(process.env.WARDEN_TEST_WATCHDOG_MS ?? 40 * 60_000);
let timedOut = false;
const watchdog = setTimeout(() => {
  timedOut = true;
  process.stderr.write(`\nrun-tests: still running after ${WATCHDOG_MS / 60_000} min (a test left a handle open?); stopping\n`);
  process.kill(-child.pid, 'SIGKILL');
}, WATCHDOG_MS);
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on('close', (code) => {
  clearTimeout(watchdog);
  const pass = Number(/# pass (\d+)/.exec(tail)?.[1] ?? 0);
  const fail = Number(/# fail (\d+)/.exec(tail)?.[1] ?? 0);
  const failed = (code !== 0 || timedOut) && fail === 0 ? 1 : fail;
  process.stdout.write(`\n${pass} passed, ${failed} failed\n`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
