import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../config/schema.js';
import { mcpSchema } from './config.js';

const issues = (servers: unknown) => {
  const r = mcpSchema.safeParse({ servers });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const stdio = { transport: 'stdio', command: 'node' };
const http = { transport: 'http', url: 'http://127.0.0.1:9/mcp' };

test('the root config has an empty mcp section by default and takes servers with defaults filled in', () => {
  assert.deepEqual(configSchema.parse({}).mcp, { servers: {} });
  const s = configSchema.parse({ mcp: { servers: { gh: http } } }).mcp.servers.gh!;
  assert.equal(s.timeouts.request_ms, 60_000);
  assert.deepEqual(s.tools, { allow: ['*'], deny: [] });
});

test('a shared credential and per-consumer credentials together are refused: nobody may fall back to the shared one', () => {
  const e = issues({ a: { ...http, credential: { header: 'Authorization', value: 'Bearer x' }, credentials_per_consumer: { alice: { header: 'Authorization', value: 'Bearer y' } } } });
  assert.ok(e.some((m) => m.startsWith('servers.a.credentials_per_consumer') && /not both/.test(m)), e.join('\n'));
});

test('credentials fit the transport: env for stdio, a header for http and sse; header and value go together', () => {
  assert.ok(issues({ a: { ...stdio, credential: { header: 'Authorization', value: 'x' } } }).some((m) => /stdio server takes its credential in `env`/.test(m)));
  assert.ok(issues({ a: { ...http, credential: { env: { TOKEN: 'x' } } } }).some((m) => /header/.test(m)));
  assert.ok(issues({ a: { ...http, credential: { header: 'Authorization' } } }).some((m) => /go together/.test(m)));
  assert.deepEqual(issues({ a: { ...stdio, credentials_per_consumer: { alice: { env: { TOKEN: 'x' } } } } }), []);
});

test('bad names, URLs and header values are refused with the path to fix', () => {
  assert.ok(issues({ 'git__hub': http }).some((m) => m.startsWith('servers.git__hub')));
  assert.ok(issues({ a: { ...http, url: 'ftp://127.0.0.1/x' } }).some((m) => /http:\/\/ or https:\/\//.test(m)));
  assert.ok(issues({ a: { ...http, url: 'http://user:pw@127.0.0.1/x' } }).some((m) => /no user:password/.test(m)));
  assert.ok(issues({ a: { ...http, credential: { header: 'Authorization', value: 'Bearer x\r\nX-Evil: 1' } } }).some((m) => m.startsWith('servers.a.credential.value')));
  assert.ok(issues({ a: { ...http, headers: { 'Bad Header': 'x' } } }).some((m) => m.startsWith('servers.a.headers')));
  assert.ok(issues({ a: { transport: 'websocket', url: 'http://x' } }).length > 0);
});
