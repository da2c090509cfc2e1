import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The suite's own runner must never report a green run with tests missing.
const root = process.cwd();
const runner = join(root, 'scripts/run-tests.mjs');
const fixtures = join(root, 'test/fixtures/runner');

function run(args: string[], cwd = root): { status: number | null; closing: string } {
  // NODE_TEST_CONTEXT is set for this file by the outer runner; the inner run must not inherit it.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, [runner, ...args], { cwd, encoding: 'utf8', env: { ...env, WARDEN_TEST_WATCHDOG_MS: '120000' } });
  const closing = r.stdout.trim().split('\n').at(-1) ?? '';
  return { status: r.status, closing };
}

test('runner: a file that exits halfway fails the run', () => {
  const r = run([join(fixtures, 'exits-early.mjs'), join(fixtures, 'passes.mjs')]);
  assert.notEqual(r.status, 0);
  assert.match(r.closing, /^\d+ passed, [1-9]\d* failed$/);
});

test('runner: passing files pass', () => {
  const r = run([join(fixtures, 'passes.mjs')]);
  assert.equal(r.status, 0);
  assert.equal(r.closing, '2 passed, 0 failed');
});

test('runner: only *.test.js files under dist are counted; helpers are not tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-runner-'));
  try {
    mkdirSync(join(dir, 'dist/test/support'), { recursive: true });
    copyFileSync(join(fixtures, 'passes.mjs'), join(dir, 'dist/test/one.test.js'));
    writeFileSync(join(dir, 'dist/test/support/helper.js'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'dist/test/fixture-data.js'), 'export const y = 2;\n');
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    const r = run([], dir);
    assert.equal(r.status, 0);
    assert.equal(r.closing, '2 passed, 0 failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner: no test files is a failure, not a green run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-runner-'));
  try {
    const r = run([], dir);
    assert.notEqual(r.status, 0);
    assert.equal(r.closing, '0 passed, 1 failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
