// Judges one test file's TAP output from `node --test --test-reporter=tap FILE` (Node 20 and 22).
import { join, relative } from 'node:path';

/**
 * Top-level results are the lines `ok N - name` / `not ok N - name` at column 0; the plan
 * `1..N` closes them; `# pass` / `# fail` / `# cancelled` are node's counts (nested tests
 * included). A file that ends before reporting its tests (process.exit(0) in a test, a crash at
 * load) shows as one synthetic result named after the file, or with a missing or short plan:
 * that is a failure, never a pass.
 */
export function judgeTap(file, tap, exitCode) {
  const lines = tap.split('\n');
  const top = lines.filter((l) => /^(not )?ok \d+ /.test(l));
  const plans = lines.map((l) => /^1\.\.(\d+)$/.exec(l)).filter(Boolean);
  const plan = plans[plans.length - 1];
  const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  let passed = count('pass');
  let failed = count('fail') + count('cancelled');
  const problems = [];
  const names = new Set([file, relative(process.cwd(), file), join(process.cwd(), file)]);
  const synthetic = top.some((l) => names.has(l.replace(/^(not )?ok \d+ - /, '').trim()));
  if (synthetic) {
    problems.push(/failureType: 'testTimeoutFailure'/.test(tap) ? 'timed out as a whole (--test-timeout) before reporting its tests' : 'ended before reporting its tests (process.exit in a test, or a crash at load)');
    passed = 0;
  } else if (!plan) problems.push('no TAP plan line: the file ended before its tests finished');
  else if (Number(plan[1]) !== top.length) problems.push(`the plan says ${plan[1]} tests, ${top.length} reported`);
  else if (passed + failed === 0) problems.push('ran no test');
  if (exitCode !== 0 && failed === 0 && !problems.length) problems.push(`exited with ${exitCode} and no failed test reported`);
  if (problems.length && failed === 0) failed = 1;
  return { passed, failed, problems };
}
