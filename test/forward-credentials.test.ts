/**
 * A Warden key never reaches an upstream, on either door: credential-named query
 * parameters carrying it are dropped; anywhere else in the URL or the headers it refuses the
 * request (WARDEN_E_KEY_IN_FORWARD) rather than forward it. Each row runs through a real
 * Warden against recording upstreams, which are then searched for the key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type Upstream } from './support/upstream.js';
import { startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { startBackend, type Backend } from './http-door-support.js';

const MSG = JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

/** Every character percent-encoded. */
const encodeAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');

interface Row {
  name: string;
  /** Query string (without `?`) built from the client's key K. */
  query: (k: string) => string;
  /** What the upstream must see as its query (without `?`), when the request is forwarded. */
  forwarded?: string;
  /** Extra request headers built from K. */
  headers?: (k: string) => Record<string, string>;
}

const STRIPPED: Row[] = [
  { name: 'apikey', query: (k) => `apikey=${k}`, forwarded: '' },
  { name: 'api_key', query: (k) => `api_key=${k}`, forwarded: '' },
  { name: 'api-key', query: (k) => `api-key=${k}`, forwarded: '' },
  { name: 'key', query: (k) => `key=${k}`, forwarded: '' },
  { name: 'token', query: (k) => `token=${k}`, forwarded: '' },
  { name: 'access_token', query: (k) => `access_token=${k}`, forwarded: '' },
  { name: 'x-api-key', query: (k) => `x-api-key=${k}`, forwarded: '' },
  { name: 'auth_token', query: (k) => `auth_token=${k}`, forwarded: '' },
  { name: 'mixed case ApiKey', query: (k) => `ApiKey=${k}`, forwarded: '' },
  { name: 'upper case ACCESS_TOKEN', query: (k) => `ACCESS_TOKEN=${k}`, forwarded: '' },
  { name: 'repeated apikey', query: (k) => `apikey=${k}&apikey=${k}`, forwarded: '' },
  { name: 'several names at once', query: (k) => `key=${k}&token=${k}&api_key=${k}`, forwarded: '' },
  { name: 'among other parameters', query: (k) => `a=1&apikey=${k}&b=2`, forwarded: 'a=1&b=2' },
  { name: 'value with one encoded character', query: (k) => `apikey=%77${k.slice(1)}`, forwarded: '' },
  { name: 'value entirely percent-encoded', query: (k) => `token=${encodeAll(k)}`, forwarded: '' },
  { name: 'value double-encoded', query: (k) => `access_token=%2577${k.slice(1)}`, forwarded: '' },
  { name: 'name percent-encoded (api%5Fkey)', query: (k) => `api%5Fkey=${k}`, forwarded: '' },
  { name: 'name with an encoded letter (%41pikey)', query: (k) => `%41pikey=${k}`, forwarded: '' },
  { name: 'name and value encoded, other parameters kept byte for byte', query: (k) => `x=%2F&%61ccess_token=${encodeAll(k)}&y=a+b`, forwarded: 'x=%2F&y=a+b' },
  { name: 'a credential name with some other value passes untouched', query: (k) => `token=page-2&apikey=${k}`, forwarded: 'token=page-2' },
];

const REFUSED: Row[] = [
  { name: 'the key as the value of a parameter that is no credential name', query: (k) => `q=${k}` },
  { name: 'the key nested in another URL', query: (k) => `next=${encodeURIComponent(`https://x.test/?apikey=${k}`)}` },
  { name: 'the key after a ; separator', query: (k) => `a=1;apikey=${k}` },
  { name: 'the key as a bare parameter', query: (k) => `${k}` },
  { name: 'the key encoded three times in an unknown parameter', query: (k) => `q=%252577${k.slice(1)}` },
  { name: 'the key as a parameter name', query: (k) => `${k}=1` },
  { name: 'the key in a cookie', query: () => 'a=1', headers: (k) => ({ cookie: `session=${k}` }) },
  { name: 'the key in a custom header', query: () => 'a=1', headers: (k) => ({ 'x-forward-me': `Bearer ${k}` }) },
  { name: 'the key in a referer URL, encoded', query: () => 'a=1', headers: (k) => ({ referer: `https://x.test/?apikey=%77${k.slice(1)}` }) },
];

/** Whether a recorded string holds the key under up to three rounds of percent-decoding. */
function seesKey(s: string, k: string): boolean {
  let cur = s;
  for (let i = 0; i < 4; i++) {
    if (cur.includes(k) || cur.includes(k.slice(4))) return true;
    try {
      const next = decodeURIComponent(cur);
      if (next === cur) return false;
      cur = next;
    } catch {
      return false;
    }
  }
  return false;
}

describe('a Warden key never reaches an upstream', () => {
  let provider: Upstream;
  let backend: Backend;
  let w: TestWarden;
  let key: string;

  before(async () => {
    provider = await startUpstream();
    backend = await startBackend('api');
    w = await startTestWarden({
      ...claudeViaUpstream(provider.url),
      routes: [
        { id: 'api', uri: '/api/*', upstream: { nodes: { [`${backend.host}:${backend.port}`]: 1 } } },
        { id: 'api-query-auth', uri: '/qa/*', key_auth: { query: true }, upstream: { nodes: { [`${backend.host}:${backend.port}`]: 1 } } },
        { id: 'ruled', uri: '/ruled/*', policies: ['no-token'], upstream: { nodes: { [`${backend.host}:${backend.port}`]: 1 } } },
      ],
      policy: { policies: { 'no-token': { rules: [{ id: 'no-token-param', when: '"token" in request.query', reason: 'no token parameter here' }] } } },
    });
    key = w.key('agent').key;
  });
  after(async () => {
    await w.close();
    await provider.close();
    await backend.close();
  });

  const doors = [
    {
      door: 'llm',
      send: (q: string, h: Record<string, string>) => fetch(`${w.url}/v1/messages?${q}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key, ...h }, body: MSG }),
      seen: () => provider.requests.map((r) => ({ url: r.url, raw: r.rawHeaders })),
      code: async (r: Response) => (await r.arrayBuffer(), r.headers.get('x-warden-error-code')),
      query: (url: string) => url.slice('/v1/messages'.length).replace(/^\?/, ''),
    },
    {
      door: 'http (query auth off)',
      send: (q: string, h: Record<string, string>) => fetch(`${w.url}/api/x?${q}`, { headers: { apikey: key, ...h } }),
      seen: () => backend.seen.map((r) => ({ url: r.url, raw: r.rawHeaders })),
      code: async (r: Response) => ((await r.json()) as { code: string }).code,
      query: (url: string) => url.slice('/api/x'.length).replace(/^\?/, ''),
    },
    {
      door: 'http (query auth on)',
      send: (q: string, h: Record<string, string>) => fetch(`${w.url}/qa/x?${q}`, { headers: { apikey: key, ...h } }),
      seen: () => backend.seen.map((r) => ({ url: r.url, raw: r.rawHeaders })),
      code: async (r: Response) => ((await r.json()) as { code: string }).code,
      query: (url: string) => url.slice('/qa/x'.length).replace(/^\?/, ''),
    },
  ];

  test('http: the policy reads the query that is forwarded (a dropped key parameter is not in it)', async () => {
    const dropped = await fetch(`${w.url}/ruled/x?token=${key}&a=1`, { headers: { apikey: key } });
    assert.equal(dropped.status, 200, await dropped.clone().text());
    assert.equal(backend.seen.at(-1)!.url, '/ruled/x?a=1');
    const kept = await fetch(`${w.url}/ruled/x?token=page-2`, { headers: { apikey: key } });
    assert.equal(kept.status, 403, 'a token parameter that is not a key is the upstream business, and the policy sees it');
    assert.equal(((await kept.json()) as { message: string }).message, 'no token parameter here');
  });

  for (const d of doors) {
    test(`${d.door}: credential-named query parameters carrying the key are dropped`, async () => {
      for (const row of STRIPPED) {
        const before = d.seen().length;
        const res = await d.send(row.query(key), row.headers?.(key) ?? {});
        assert.equal(res.status, 200, `${row.name}: ${await res.clone().text()}`);
        await res.arrayBuffer();
        const seen = d.seen().slice(before);
        assert.equal(seen.length, 1, row.name);
        assert.equal(d.query(seen[0]!.url), row.forwarded, row.name);
        for (const s of [seen[0]!.url, ...seen[0]!.raw]) assert.ok(!seesKey(s, key), `${row.name}: the upstream saw the key in ${s.slice(0, 40)}…`);
      }
    });

    test(`${d.door}: a key anywhere else in the URL or headers refuses the request, nothing forwarded`, async () => {
      for (const row of REFUSED) {
        const before = d.seen().length;
        const res = await d.send(row.query(key), row.headers?.(key) ?? {});
        assert.equal(res.status, 400, row.name);
        assert.equal(await d.code(res), 'WARDEN_E_KEY_IN_FORWARD', row.name);
        assert.equal(d.seen().length, before, `${row.name}: nothing reached the upstream`);
      }
    });
  }
});
