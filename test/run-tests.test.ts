/**
 * scripts/run-tests.mjs, the runner behind `npm test` and .ci/run: a file that ends before
 * reporting all its tests fails the run; only *.test.js files count as tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../' : '../', import.meta.url));
const fixture = (name: string) => `${root}test/fixtures/run-tests/${name}.mjs`;

function runTests(files: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [`${root}scripts/run-tests.mjs`, ...files], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout };
}

test('the closing line counts every test of every file; a file ending halfway is a failure, not a pass', () => {
  const cases: { files: string[]; closing: string; code: number; problem?: RegExp }[] = [
    { files: ['complete'], closing: '3 passed, 0 failed', code: 0 },
    { files: ['failing'], closing: '1 passed, 1 failed', code: 1 },
    { files: ['exits-halfway'], closing: '0 passed, 1 failed', code: 1, problem: /exits-halfway\.mjs: ended before reporting its tests/ },
    { files: ['complete', 'exits-halfway'], closing: '3 passed, 1 failed', code: 1 },
    { files: ['helper'], closing: '0 passed, 1 failed', code: 1, problem: /helper\.mjs: ended before reporting its tests/ },
  ];
  for (const c of cases) {
    const r = runTests(c.files.map(fixture));
    const lines = r.out.trimEnd().split('\n');
    assert.equal(lines.at(-1), c.closing, c.files.join(' '));
    assert.equal(r.code, c.code, c.files.join(' '));
    if (c.problem) assert.match(r.out, c.problem);
  }
});

test('discovery runs only *.test.js files: helpers under test/support are not counted', async () => {
  const { readdirSync } = await import('node:fs');
  assert.ok(readdirSync(`${root}dist/test/support`).some((f) => f.endsWith('.js')), 'the support helpers are compiled next to the tests');
  const r = spawnSync(process.execPath, [`${root}scripts/run-tests.mjs`, '--list'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0);
  const files = r.stdout.trim().split('\n');
  assert.ok(files.includes('dist/test/run-tests.test.js'), 'this file is found');
  assert.ok(files.includes('dist/src/cli/audit.test.js'), 'unit tests beside the code are found');
  assert.deepEqual(files.filter((f) => !f.endsWith('.test.js') || f.includes('/support/') || f.includes('/fixtures/')), []);
});
