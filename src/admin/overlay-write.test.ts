import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../config/load.js';
import { parseOverlayRoute } from '../config/overlay.js';
import { buildSnapshot, closeSnapshot, retireSnapshot, type Snapshot } from '../runtime/snapshot.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { AdminConfigError, writeOverlay, type ConfigControl } from './overlay-write.js';
import { httpPart } from '../doors/http/part.js';

function liveControl(file = validateConfig({})) {
  const state = { snapshot: buildSnapshot(file) as Snapshot, commits: 0, aborts: 0 };
  const control: ConfigControl = {
    file: () => file,
    stage(next) {
      const old = state.snapshot;
      const built = buildSnapshot(next, old);
      return {
        commit() {
          state.snapshot = built;
          state.commits++;
          retireSnapshot(old, built);
        },
        abort() {
          state.aborts++;
          retireSnapshot(built, old);
        },
      };
    },
  };
  return { control, state };
}

const route = (id: string, extra: Record<string, unknown> = {}) => ({ id, uri: `/${id}`, upstream: { nodes: { '127.0.0.1:9': 1 } }, ...extra });
const setRoute = (id: string, raw: ReturnType<typeof route>) => ({ kind: 'route' as const, id, set: { raw, parsed: parseOverlayRoute(id, raw) } });

test('overlay write: a store write that fails releases the candidate; the live snapshot and the store are unchanged', async (t) => {
  const real = openSqliteStore(':memory:');
  const { control, state } = liveControl();
  t.after(async () => {
    await closeSnapshot(state.snapshot);
    real.close();
  });
  writeOverlay(real, control, setRoute('one', route('one')), 'WARDEN_E_ADMIN_BAD_INPUT');
  const before = state.snapshot;
  assert.deepEqual(before.part(httpPart).routes.map((r) => r.id), ['one']);

  // Fault injection: the disk refuses the write after the candidate compiled.
  const failing: Store = { ...real, putOverlay: () => { throw new Error('SQLITE_FULL: database or disk is full'); } };
  assert.throws(() => writeOverlay(failing, control, setRoute('two', route('two')), 'WARDEN_E_ADMIN_BAD_INPUT'), /SQLITE_FULL/);
  assert.equal(state.aborts, 1);
  assert.equal(state.snapshot, before, 'still serving the previous snapshot');
  assert.deepEqual(real.listOverlay().map((e) => e.id), ['one']);
});

test('overlay write: a candidate that does not compile is never staged or stored', async (t) => {
  const store = openSqliteStore(':memory:');
  const { control, state } = liveControl();
  t.after(async () => {
    await closeSnapshot(state.snapshot);
    store.close();
  });
  const e = (() => {
    try {
      writeOverlay(store, control, setRoute('x', route('x', { policies: ['missing'] })), 'WARDEN_E_ADMIN_BAD_INPUT');
    } catch (err) {
      return err;
    }
  })();
  assert.ok(e instanceof AdminConfigError);
  assert.equal(e.status, 400);
  assert.deepEqual(e.problems, ['routes[0] (route "x").policies[0]: no policy named "missing" under policy.policies (have: none)']);
  assert.equal(state.commits + state.aborts, 0);
  assert.deepEqual(store.listOverlay(), []);
});
