import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opaSchema } from '../config.js';
import { parseDocument } from '../document.js';
import { buildOpaInput } from './input.js';

const opts = (o: Record<string, unknown> = {}) => opaSchema.parse({ host: 'http://127.0.0.1:8181', policy: 'claude_code_policy', ...o });

const doc = parseDocument({
  door: 'http',
  time: 1_773_151_200_123,
  consumer: { name: 'claude-code-staging', groups: ['agents'], labels: { level: 'staging' } },
  key: { id: 'key_abc', models: [] },
  request: {
    scheme: 'https',
    method: 'POST',
    host: 'gw.example',
    port: 9443,
    path: '/api/database/query',
    query: { verbose: '1', apikey: 'agent-staging-key-123', tag: ['a', 'b'] },
    headers: { authorization: 'apikey agent-staging-key-123', 'x-api-key': 'k', apikey: 'k', 'x-context': 'user-asked-for-data-analysis', 'content-type': 'application/json' },
    body: { query: 'SELECT * FROM users', database: 'prod' },
    body_size: 55,
  },
  connection: { remote_addr: '10.0.0.7', remote_port: 51234, server_addr: '10.0.0.1', server_port: 9443 },
  route: { id: 'claude-code-api', uri: '/api/*', upstream: { nodes: { 'internal-backend:8080': 1 }, auth: 'secret' } },
  service: { id: 'svc1', upstream: { nodes: {} } },
  session: { id: 'sess-1' },
});

test('the APISIX input document, exactly: type, request, var — no route, service or consumer by default', () => {
  const { input } = buildOpaInput(doc, opts());
  assert.deepEqual(Object.keys(input).sort(), ['request', 'type', 'var', 'warden']);
  assert.equal(input.type, 'http');
  assert.deepEqual(input.request, {
    scheme: 'https',
    method: 'POST',
    host: 'gw.example',
    port: 9443,
    path: '/api/database/query',
    headers: { 'x-context': 'user-asked-for-data-analysis', 'content-type': 'application/json' },
    query: { verbose: '1', tag: ['a', 'b'] },
  });
  // nginx variables are strings in APISIX; the timestamp is whole seconds.
  assert.deepEqual(input.var, { server_addr: '10.0.0.1', server_port: '9443', remote_addr: '10.0.0.7', remote_port: '51234', timestamp: 1_773_151_200 });
  assert.deepEqual(input.warden, { door: 'http', llm: null, tool: null, sql: null, session: { id: 'sess-1' } });
});

test('with_route, with_service and with_consumer add them, without upstream and never with keys', () => {
  const { input } = buildOpaInput(doc, opts({ with_route: true, with_service: true, with_consumer: true }));
  assert.deepEqual(input.route, { id: 'claude-code-api', uri: '/api/*' });
  assert.deepEqual(input.service, { id: 'svc1' });
  assert.deepEqual(input.consumer, { username: 'claude-code-staging', consumer_name: 'claude-code-staging', group_id: 'agents', groups: ['agents'], labels: { level: 'staging' } });
  const text = JSON.stringify(input);
  for (const secret of ['agent-staging-key-123', 'key_abc', '"k"', 'secret']) assert.ok(!text.includes(secret), `${secret} must not reach OPA`);
});

test('with_consumer and no consumer → consumer null', () => {
  const { input } = buildOpaInput(parseDocument({ door: 'http', time: 0 }), opts({ with_consumer: true, with_route: true }));
  assert.equal(input.consumer, null);
  assert.equal(input.route, null);
});

test('the body is opt-in and size-capped', () => {
  assert.equal(buildOpaInput(doc, opts()).input.request.body, undefined);
  const withBody = buildOpaInput(doc, opts({ with_body: { max_bytes: 1024 } })).input;
  assert.deepEqual(withBody.request.body, { query: 'SELECT * FROM users', database: 'prod' });
  assert.equal(withBody.warden.body_omitted, undefined);
  const tooBig = buildOpaInput(doc, opts({ with_body: { max_bytes: 54 } })).input;
  assert.equal(tooBig.request.body, undefined);
  assert.equal(tooBig.warden.body_omitted, 'too_large');
  const text = parseDocument({ door: 'http', time: 0, request: { body: 'x'.repeat(10) } });
  assert.equal(buildOpaInput(text, opts({ with_body: { max_bytes: 10 } })).input.request.body, 'x'.repeat(10), 'size measured when the door did not give it');
  assert.equal(buildOpaInput(text, opts({ with_body: { max_bytes: 9 } })).input.request.body, undefined);
});

test('gateway facts go under input.warden; postgres is a stream subsystem', () => {
  const d = parseDocument({
    door: 'postgres', time: 0, sql: { statements: [{ kind: 'delete', tables: ['users'] }] },
  });
  const { input } = buildOpaInput(d, opts());
  assert.equal(input.type, 'stream');
  assert.deepEqual(input.warden.sql, { statements: [{ kind: 'delete', tables: ['users'], functions: [] }] });
  const mcp = parseDocument({ door: 'mcp', time: 0, tool: { server: 'github', name: 'delete_repo', arguments: { repo: 'x' } }, llm: { model: 'claude-sonnet-4-5' } });
  const w = buildOpaInput(mcp, opts()).input.warden;
  assert.deepEqual(w.tool, { server: 'github', name: 'delete_repo', arguments: { repo: 'x' } });
  assert.equal(w.llm?.model, 'claude-sonnet-4-5');
});
