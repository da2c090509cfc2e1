// Runs every compiled test file (dist/src/**/*.test.js, dist/test/**/*.test.js, and the bench
// harness's own unit tests dist/bench/lib/*.test.js) with node's test runner and closes with one
// line "N passed, N failed"; exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const roots = ['dist/src', 'dist/test', 'dist/bench'].filter((d) => existsSync(d));
// No --test-force-exit: on Node 20 it let a file's process exit while its awaited subtests
// were still being created, so tests went unreported and the run still passed. A leaked
// handle is caught by the watchdog below instead, which fails the run.
const args = ['--test', '--test-reporter=tap', '--test-timeout=180000', '--test-concurrency=2', ...process.argv.slice(2), ...(process.argv.length > 2 ? [] : roots)];
// Its own process group, so the watchdog can stop the test files it started too.
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env, detached: true });
const WATCHDOG_MS = Number(process.env.WARDEN_TEST_WATCHDOG_MS ?? 40 * 60_000);
let timedOut = false;
const watchdog = setTimeout(() => {
  timedOut = true;
  process.stderr.write(`\nrun-tests: still running after ${WATCHDOG_MS / 60_000} min (a test left a handle open?); stopping\n`);
  process.kill(-child.pid, 'SIGKILL');
}, WATCHDOG_MS);
let pass = 0;
let fail = 0;
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on('close', (code) => {
  clearTimeout(watchdog);
  pass = Number(/# pass (\d+)/.exec(tail)?.[1] ?? 0);
  fail = Number(/# fail (\d+)/.exec(tail)?.[1] ?? 0);
  const failed = (code !== 0 || timedOut) && fail === 0 ? 1 : fail;
  process.stdout.write(`\n${pass} passed, ${failed} failed\n`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
