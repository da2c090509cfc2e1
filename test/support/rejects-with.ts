import assert from 'node:assert/strict';
import { isWardenError, type WardenError } from '../../src/core/errors.js';

/** Awaits a promise that must reject with a WardenError of `code` (and a message matching `re`). */
export async function rejectsWith(p: Promise<unknown>, code: string, re?: RegExp): Promise<WardenError> {
  const e = await p.then(
    () => assert.fail(`expected ${code}`),
    (err: unknown) => err,
  );
  assert.ok(isWardenError(e), `expected a WardenError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return e;
}
