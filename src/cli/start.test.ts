import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveWorkers } from './start.js';

function configFile(text: string): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-start-'));
  const file = join(dir, 'warden.yaml');
  writeFileSync(file, text);
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const MCP = 'mcp:\n  servers:\n    crm: { transport: http, url: "http://127.0.0.1:9/mcp" }\n';

test('warden start runs one worker per available core by default, one process with --workers 1', () => {
  const c = configFile('models:\n  - { match: "claude-*", provider: mock }\n');
  try {
    assert.deepEqual(resolveWorkers(c.file, undefined), { workers: availableParallelism() });
    assert.deepEqual(resolveWorkers(undefined, undefined), { workers: availableParallelism() }, 'the built-in default too');
    assert.deepEqual(resolveWorkers(c.file, 1), { workers: 1 });
    assert.deepEqual(resolveWorkers(c.file, 3), { workers: 3 });
  } finally {
    c.done();
  }
});

test('with MCP servers configured: one process by default (sessions live in one process), --workers above 1 refused', () => {
  const c = configFile(MCP);
  try {
    const r = resolveWorkers(c.file, undefined);
    assert.equal(r.workers, 1);
    if (availableParallelism() > 1) assert.match(r.note ?? '', /MCP door keeps each session/);
    assert.deepEqual(resolveWorkers(c.file, 1), { workers: 1 });
    assert.throws(() => resolveWorkers(c.file, 2), (e: Error & { code?: string }) => e.code === 'WARDEN_E_USAGE' && /--workers 1/.test(e.message));
  } finally {
    c.done();
  }
});

test('the number of workers is chosen without resolving provider secrets', () => {
  // The workers resolve the whole config; the primary reads only `mcp` and must not fail on an unset variable elsewhere.
  const c = configFile('providers:\n  anthropic: { type: anthropic, api_key: "${env:WARDEN_TEST_UNSET_VARIABLE}" }\nmodels:\n  - { match: "claude-*", provider: anthropic }\n');
  try {
    assert.equal(resolveWorkers(c.file, undefined).workers, availableParallelism());
  } finally {
    c.done();
  }
});
