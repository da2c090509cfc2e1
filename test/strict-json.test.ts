/**
 * One reading of a JSON body, through a real Warden: a body that parsers read differently
 * (duplicate keys, escaped-equal keys, lone surrogates, `__proto__`, deep nesting) is
 * refused on every door that parses client JSON, and nothing of it reaches an upstream.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startBackend, type Backend } from './http-door-support.js';
import { startUpstream, type Upstream } from './support/upstream.js';
import { anthropicUpstreamConfig, startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { auditRecordFor } from './support/audit-records.js';
import { runClaude } from './support/claude.js';
import { MAX_JSON_DEPTH } from '../src/core/json/read.js';

const ADMIN_KEY = 'wadm_test_admin_key_0123456789abcdefghij';
const SECRET = 'AKIAZ7VRSQ3HKPL2MXTY';
const msg = (content: string) => `{"role":"user","content":${content}}`;
const nestedToolResults = (n: number) => '[{"type":"tool_result","tool_use_id":"t","content":'.repeat(n) + '"x"' + '}]'.repeat(n);
const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** [name, body, message the 400 must carry]. Every body carries the secret where a last-wins reading hides it. */
const REFUSED: Array<[string, string, RegExp]> = [
  ['duplicate top-level messages', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg(`"my key is ${SECRET}"`)}],"messages":[${msg('"hi"')}]}`, /\(top level\): duplicate key "messages"/],
  ['duplicate model', `{"model":"claude-opus-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"model":"claude-haiku-4-5"}`, /\(top level\): duplicate key "model"/],
  ['escaped-equal model key', `{"model":"claude-opus-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"mod\\u0065l":"claude-haiku-4-5"}`, /\(top level\): duplicate key "model"/],
  ['duplicate content in a message', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"a"')},{"role":"user","content":"${SECRET}","content":"hi"}]}`, /messages\[1\]: duplicate key "content"/],
  ['duplicate text in a block', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"a"')},${msg('"b"')},${msg(`[{"type":"text","text":"${SECRET}","text":"hi"}]`)}]}`, /messages\[2\]\.content\[0\]: duplicate key "text"/],
  ['duplicate text in a nested tool_result', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg(`[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"${SECRET}","text":"ok"}]}]`)}]}`, /messages\[0\]\.content\[0\]\.content\[0\]: duplicate key "text"/],
  ['duplicate key in tools', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"tools":[{"name":"WebFetch","name":"Read","input_schema":{"type":"object"}}]}`, /tools\[0\]: duplicate key "name"/],
  ['duplicate key in metadata', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"metadata":{"user_id":"${SECRET}","user_id":"u"}}`, /metadata: duplicate key "user_id"/],
  ['duplicate escaped system text', `{"model":"claude-haiku-4-5","max_tokens":5,"system":[{"type":"text","text":"${SECRET}","\\u0074ext":"be nice"}],"messages":[${msg('"hi"')}]}`, /system\[0\]: duplicate key "text"/],
  ['lone surrogate in a key', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"metadata":{"user\\ud800id":"x"}}`, /metadata: a \\u escape leaves a lone UTF-16 surrogate/],
  ['lone surrogate in a text', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi \\udc00"')}]}`, /messages\[0\]\.content: a \\u escape leaves a lone/],
  ['__proto__ key', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"__proto__":{"stream":true}}`, /\(top level\): a "__proto__" key is refused/],
  ['100,000 nested tool_result blocks', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg(nestedToolResults(100_000))}]}`, /nest deeper than 128 levels/],
  ['objects one over the limit', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"x":${objects(128)}}`, /x(\.a)+…?: objects and arrays nest deeper than 128 levels/],
  ['arrays one over the limit', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"x":${arrays(128)}}`, /nest deeper than 128 levels/],
];

/** Not JSON at all, where a lenient parser might still read a model: 400 WARDEN_E_BAD_JSON. */
const NOT_JSON: Array<[string, string]> = [
  ['a raw newline in a string', `{"model":"claude-haiku-4-5\n","max_tokens":5,"messages":[${msg('"hi"')}]}`],
  ['a trailing comma', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}],}`],
  ['a bad escape', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"\\x41"')}]}`],
  ['NaN', `{"model":"claude-haiku-4-5","max_tokens":NaN,"messages":[${msg('"hi"')}]}`],
  ['a leading zero', `{"model":"claude-haiku-4-5","max_tokens":05,"messages":[${msg('"hi"')}]}`],
  ['text after the object', `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}]}{"model":"claude-opus-4-5"}`],
  ['single quotes', `{"model":'claude-haiku-4-5',"max_tokens":5,"messages":[${msg('"hi"')}]}`],
];

// The request guard reads every value (the whole body is parsed); without it the door parses
// only the members it needs, after the same strict reading (src/core/json/validate.ts).
const READINGS: Array<[string, Record<string, unknown>]> = [
  ['whole body parsed (guards on)', { secrets: { action: 'redact' } }],
  ['members parsed lazily (guards off)', { secrets: { enabled: false }, pii: { enabled: false }, tool_use: { enabled: false } }],
];

for (const [reading, guards] of READINGS)
describe(`LLM door: one reading of the body (messages and count_tokens), ${reading}`, () => {
  let upstream: Upstream;
  let w: TestWarden;
  let key: string;

  before(async () => {
    upstream = await startUpstream();
    w = await startTestWarden({
      server: { body_limit_bytes: 16 * 1024 * 1024 },
      ...claudeViaUpstream(upstream.url),
      guards,
    });
    key = w.key('mallory', { models: ['claude-haiku-*'] }).key;
  });
  after(async () => {
    await w.close();
    await upstream.close();
  });

  for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
    for (const [name, body, message] of REFUSED) {
      test(`${path}: ${name} → 400 naming the key path, nothing forwarded`, async () => {
        const before = upstream.requests.length;
        const res = await fetch(`${w.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body });
        const text = await res.text();
        assert.equal(res.status, 400, text.slice(0, 300));
        assert.equal(res.headers.get('x-warden-error-code'), 'WARDEN_E_JSON_REFUSED');
        const err = JSON.parse(text) as { type: string; error: { type: string; message: string } };
        assert.equal(err.error.type, 'invalid_request_error');
        assert.match(err.error.message, message);
        assert.ok(!err.error.message.includes(SECRET));
        assert.equal(upstream.requests.length, before, 'nothing reaches the provider');
        const rec = await auditRecordFor(w.auditDir, res.headers.get('x-warden-request-id')!);
        assert.equal(rec.error_code, 'WARDEN_E_JSON_REFUSED');
        assert.equal(rec.model, null, 'a refused body names no model in the audit');
      });
    }
  }

  for (const [name, body] of NOT_JSON) {
    test(`not JSON: ${name} → 400 WARDEN_E_BAD_JSON, nothing forwarded`, async () => {
      const before = upstream.requests.length;
      const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body });
      assert.equal(res.status, 400, await res.text());
      assert.equal(res.headers.get('x-warden-error-code'), 'WARDEN_E_BAD_JSON');
      assert.equal(upstream.requests.length, before, 'nothing reaches the provider');
    });
  }

  test('a body in every JSON form (whitespace, escapes, numbers, non-ASCII keys) is read and forwarded unchanged', async () => {
    const body = `\r\n {\t"m\\u006fdel" : "claude-haiku-4-5" , "max_tokens":5.0e0,"stream" :false,"metadata":{"é":"😀\\ud83d\\ude00","\\u00e8":[-0.5E+2,true,null,{}]},"messages":[${msg('"h\\"i\\n\\/"')}]}\n`;
    upstream.reset();
    const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body });
    assert.equal(res.status, 200, await res.text());
    assert.equal(upstream.messageRequests()[0]!.body.toString(), body);
  });

  for (const [name, inner] of [['arrays', arrays(126)], ['objects', objects(126)]]) {
    test(`${name} nested at the limit are read and forwarded unchanged`, async () => {
      const body = `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[${msg('"hi"')}],"metadata":{"x":${inner}}}`;
      upstream.reset();
      const res = await fetch(`${w.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body });
      assert.equal(res.status, 200, await res.text());
      assert.equal(upstream.messageRequests()[0]!.body.toString(), body);
    });
  }
});

/** Nesting depth of a parsed value (objects and arrays), iteratively. */
function depthOf(v: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    max = Math.max(max, d);
    for (const c of Object.values(x)) stack.push([c, d + 1]);
  }
  return max;
}

test('real Claude Code requests, with all its tools and their schemas, nest far below the limit', async (t) => {
  const upstream = await startUpstream();
  const w = await startTestWarden({ providers: anthropicUpstreamConfig(upstream.url), models: [{ match: 'claude-*', provider: 'anthropic' }] });
  t.after(async () => {
    await w.close();
    await upstream.close();
  });
  const run = await runClaude({ baseUrl: w.url, authToken: w.key('dev').key, prompt: 'say hi' });
  assert.equal(run.timedOut, false, run.stdout + run.stderr);
  const bodies = upstream.messageRequests().map((r) => r.json as { tools?: unknown[] });
  assert.ok(bodies.some((b) => (b.tools?.length ?? 0) > 5), 'a request offered Claude Code\'s tools');
  const deepest = Math.max(...bodies.map(depthOf));
  t.diagnostic(`deepest Claude Code request: ${deepest} levels (limit ${MAX_JSON_DEPTH})`);
  assert.ok(deepest <= 16, `a Claude Code request nests ${deepest} levels`);
});

describe('admin API: one reading of the body', () => {
  let w: TestWarden;
  before(async () => {
    w = await startTestWarden({ admin: { key_sha256: createHash('sha256').update(ADMIN_KEY).digest('hex') } });
  });
  after(() => w.close());
  const admin = (path: string, method: string, body: string) =>
    fetch(`${w.adminUrl}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body });

  const cases: Array<[string, string, string, string, RegExp]> = [
    ['consumer with two models lists', '/admin/consumers/team-a', 'PUT', '{"models":["claude-haiku-*"],"models":["*"]}', /\(top level\): duplicate key "models"/],
    ['consumer with escaped-equal groups', '/admin/consumers/team-b', 'PUT', '{"groups":["ci"],"gr\\u006fups":["admins"]}', /duplicate key "groups"/],
    ['consumer labels duplicated', '/admin/consumers/team-c', 'PUT', '{"labels":{"level":"sandbox","level":"production"}}', /labels: duplicate key "level"/],
    ['key for a duplicated consumer', '/admin/keys', 'POST', '{"consumer":"team-x","consumer":"team-y"}', /duplicate key "consumer"/],
    ['explain with a deep body', '/admin/policy/explain', 'POST', `{"door":"llm","x":${arrays(200)}}`, /nest deeper than 128 levels/],
    ['__proto__ in a consumer', '/admin/consumers/team-d', 'PUT', '{"__proto__":{"models":["*"]}}', /"__proto__" key is refused/],
  ];
  for (const [name, path, method, body, message] of cases) {
    test(`${name} → 400 WARDEN_E_JSON_REFUSED, nothing written`, async () => {
      const res = await admin(path, method, body);
      assert.equal(res.status, 400);
      const err = ((await res.json()) as { error: { code: string; message: string } }).error;
      assert.equal(err.code, 'WARDEN_E_JSON_REFUSED');
      assert.match(err.message, message);
      assert.deepEqual(w.warden.gateway.store.listConsumers().map((c) => c.name), []);
      assert.deepEqual(w.warden.gateway.store.listKeys(), []);
    });
  }
  test('text that is not JSON keeps the admin code', async () => {
    const res = await admin('/admin/consumers/team-e', 'PUT', '{"models":');
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'WARDEN_E_ADMIN_BAD_INPUT');
  });
});

describe('http door: a policy reads the same body the upstream gets', () => {
  let node: Backend;
  let w: TestWarden;
  let key: string;
  before(async () => {
    node = await startBackend('db');
    w = await startTestWarden({
      routes: [{ id: 'db', uri: '/api/*', upstream: { nodes: { [`${node.host}:${node.port}`]: 1 } }, policies: ['no-prod'] }],
      policy: { policies: { 'no-prod': { rules: [{ id: 'no-prod', when: 'request.body.database == "prod"', reason: 'no production database' }] } } },
    });
    key = w.key('agent').key;
  });
  after(async () => {
    await w.close();
    await node.close();
  });
  const post = (body: string) => fetch(`${w.url}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json', apikey: key }, body });

  const cases: Array<[string, string, RegExp]> = [
    ['duplicate database', '{"database":"prod","database":"staging"}', /\(top level\): duplicate key "database"/],
    ['escaped-equal database', '{"database":"prod","d\\u0061tabase":"staging"}', /\(top level\): duplicate key "database"/],
    ['deep nesting', `{"database":"staging","x":${arrays(500)}}`, /x\[0\]\[0\].*nest deeper than 128 levels/],
  ];
  for (const [name, body, message] of cases) {
    test(`${name} → 400, not forwarded`, async () => {
      const res = await post(body);
      assert.equal(res.status, 400);
      const err = (await res.json()) as { message: string; code: string };
      assert.equal(err.code, 'WARDEN_E_JSON_REFUSED');
      assert.equal(res.headers.get('x-warden-error-code'), 'WARDEN_E_JSON_REFUSED');
      assert.match(err.message, message);
      assert.equal(node.seen.length, 0);
    });
  }
  test('a clean body is judged and forwarded', async () => {
    assert.equal((await post('{"database":"prod"}')).status, 403);
    assert.equal((await post('{"database":"staging"}')).status, 200);
    assert.equal(node.seen.length, 1);
  });
});
