import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, validateConfig } from '../config/load.js';
import { buildSnapshot, closeSnapshot } from './snapshot.js';

test('a guard that cannot be set up refuses the config with its path, instead of failing every request', () => {
  const cfg = validateConfig({ guards: { secrets: { action: 'redact', disabled_rules: ['no-such-rule'] } } });
  assert.throws(() => buildSnapshot(cfg), (e: unknown) => e instanceof ConfigError && /guards: unknown secret rule id\(s\): no-such-rule/.test(e.message));
});

test('a valid guards section compiles into the snapshot', async () => {
  const s = buildSnapshot(validateConfig({ guards: { secrets: { action: 'redact', disabled_rules: ['generic-api-key'] } } }));
  assert.equal(s.requestGuard.active, true);
  await closeSnapshot(s);
});
