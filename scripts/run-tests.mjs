// Runs every compiled test file (dist/src/**/*.test.js, dist/test/**/*.test.js, and the bench
// harness's own unit tests dist/bench/lib/*.test.js) with node's test runner and closes with one
// line "N passed, N failed"; exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const roots = ['dist/src', 'dist/test', 'dist/bench'].filter((d) => existsSync(d));
// --test-force-exit is a backstop so a leaked handle cannot stall CI; a file that needs it
// still has a bug (it hid a before() failure in seed-000 that left servers open).
const args = ['--test', '--test-reporter=tap', '--test-timeout=180000', '--test-force-exit', '--test-concurrency=2', ...process.argv.slice(2), ...(process.argv.length > 2 ? [] : roots)];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
let pass = 0;
let fail = 0;
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on('close', (code) => {
  pass = Number(/# pass (\d+)/.exec(tail)?.[1] ?? 0);
  fail = Number(/# fail (\d+)/.exec(tail)?.[1] ?? 0);
  const failed = code !== 0 && fail === 0 ? 1 : fail;
  process.stdout.write(`\n${pass} passed, ${failed} failed\n`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
