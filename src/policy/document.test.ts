import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { documentJsonSchema, parseDocument, permissionToolName, queryWithoutCredentials, withoutCredentials } from './document.js';

// Relative to the repository root, where the test runner runs (works from src/ and dist/).
const schemaFile = 'docs/decision.schema.json';

test('docs/decision.schema.json is generated from the zod schema', () => {
  const onDisk = JSON.parse(readFileSync(schemaFile, 'utf8'));
  assert.deepEqual(onDisk, documentJsonSchema(), 'docs/decision.schema.json drifted: regenerate it with `warden policy schema > docs/decision.schema.json`');
});

test('a minimal document gets every section, absent ones as null', () => {
  const d = parseDocument({ door: 'http', time: 1 });
  assert.equal(d.consumer, null);
  assert.equal(d.tool, null);
  assert.equal(d.request, null);
  const full = parseDocument({ door: 'http', time: 1, request: { method: 'POST', path: '/api/x' }, consumer: { name: 'a' } });
  assert.deepEqual(full.request, { scheme: 'http', method: 'POST', host: '', port: 0, path: '/api/x', query: {}, headers: {} });
  assert.deepEqual(full.consumer, { name: 'a', groups: [], labels: {}, models: [] });
});

test('unknown fields in a document are refused with their path', () => {
  assert.throws(() => parseDocument({ door: 'http', time: 1, consumer: { name: 'a', secret: 'x' } }), (e: { issues: { path: unknown[] }[] }) => {
    assert.deepEqual(e.issues[0]!.path, ['consumer']);
    return true;
  });
  assert.throws(() => parseDocument({ door: 'ftp', time: 1 }));
});

test('credential headers and query parameters are removed', () => {
  const h = withoutCredentials({ Authorization: 'Bearer wk_x', 'X-API-Key': 'k', apikey: 'k', Cookie: 's=1', 'Proxy-Authorization': 'b', 'X-Context': 'data', Accept: ['a', 'b'] });
  assert.deepEqual(h, { 'x-context': 'data', accept: 'a, b' });
  assert.deepEqual(withoutCredentials({ 'x-token': 't', a: '1' }, new Set(['x-token'])), { a: '1' });
  const q = { apikey: 'k', page: '2' };
  assert.deepEqual(queryWithoutCredentials(q), { page: '2' });
  assert.deepEqual(q, { apikey: 'k', page: '2' }, 'the input is not modified');
  const clean = { page: '2' };
  assert.equal(queryWithoutCredentials(clean), clean, 'no copy when nothing is removed');
});

test('tool names as permission rules see them', () => {
  assert.equal(permissionToolName({ server: null, name: 'Bash', arguments: {} }), 'Bash');
  assert.equal(permissionToolName({ server: 'github', name: 'create_issue', arguments: {} }), 'mcp__github__create_issue');
  assert.equal(permissionToolName({ server: 'github', name: 'mcp__github__create_issue', arguments: {} }), 'mcp__github__create_issue');
});
