/**
 * OIDC access tokens from a real OpenID Provider (oidc-provider) on the LLM and HTTP doors of
 * a real Warden: group claims drive policy, every forged or broken token is refused with 401
 * and its own reason, a second issuer maps by its own rules, keys rotate mid-run, and an
 * unreachable IdP keeps known keys verifying while new kids fail closed. The token never
 * reaches the audit trail nor the upstream.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { startTestIdp, type TestIdp } from './support/oidc-idp.js';
import { startUpstream, type Upstream } from './support/upstream.js';
import { GUARDS_OFF, startTestWarden, type TestWarden, claudeViaUpstream } from './support/warden.js';
import { auditRecordFor } from './support/audit-records.js';

const AUD = 'https://warden.test';

async function llm(w: TestWarden, token: string, model = 'claude-opus-4-1') {
  const res = await fetch(`${w.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.text();
  return { status: res.status, code: res.headers.get('x-warden-error-code'), id: res.headers.get('x-warden-request-id')!, challenge: res.headers.get('www-authenticate'), text };
}

async function api(w: TestWarden, token: string, method: string) {
  const res = await fetch(`${w.url}/api/data`, { method, headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{"row":1}' });
  const text = await res.text();
  return { status: res.status, code: res.headers.get('x-warden-error-code'), challenge: res.headers.get('www-authenticate'), text };
}

describe('OIDC access tokens on the doors', { timeout: 60_000 }, () => {
  let idp: TestIdp;
  let partner: TestIdp;
  let stranger: TestIdp;
  let upstream: Upstream;
  let backend: Server;
  let backendHits: { method: string; headers: Record<string, unknown> }[];
  let w: TestWarden;

  before(async () => {
    idp = await startTestIdp({ resources: [AUD, 'https://other.test'] });
    partner = await startTestIdp();
    stranger = await startTestIdp();
    upstream = await startUpstream();
    backendHits = [];
    backend = createServer((req, res) => {
      backendHits.push({ method: req.method!, headers: req.headers });
      req.resume();
      req.on('end', () => res.end('{"ok":true}'));
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    w = await startTestWarden({
      ...claudeViaUpstream(upstream.url),
      guards: GUARDS_OFF,
      identity: {
        oidc: [
          {
            issuer: idp.issuer,
            audience: AUD,
            name_claim: 'preferred_username',
            clock_skew_seconds: 5,
            jwks_refresh_min_seconds: 1,
            label_rules: [
              { group: 'data-reader', labels: { level: 'staging' } },
              { group: 'data-writer', labels: { level: 'production' } },
            ],
          },
          {
            issuer: partner.issuer,
            audience: [AUD],
            name_claim: 'email',
            groups_claim: 'realm_access.roles',
            group_map: { writer: ['data-writer'] },
            only_mapped_groups: true,
            consumer_prefix: 'partner:',
            labels: { level: 'sandbox' },
          },
        ],
      },
      routes: [{ id: 'data', uri: '/api/data', upstream: { nodes: { [`127.0.0.1:${(backend.address() as AddressInfo).port}`]: 1 } }, key_auth: { enabled: true } }],
      policy: {
        rules: [
          { id: 'opus-for-writers', when: 'door == "llm" && llm.model.startsWith("claude-opus") && !("data-writer" in consumer.groups)', reason: 'opus models are for data writers' },
          { id: 'writes-for-writers', when: 'door == "http" && request.method != "GET" && consumer.labels.level != "production"', reason: 'only production-level consumers write data' },
        ],
      },
    });
  });

  after(async () => {
    await w?.close();
    await Promise.all([idp?.stop(), partner?.stop(), stranger?.stop(), upstream?.close(), new Promise((r) => backend?.close(r))]);
  });

  test('a data-reader and a data-writer token get different decisions on the same LLM request', async () => {
    const reader = await llm(w, await idp.mintAccessToken('alice'));
    assert.equal(reader.status, 403, reader.text);
    assert.equal(reader.code, 'WARDEN_E_POLICY_DENIED');
    assert.match(reader.text, /opus models are for data writers/);
    const before = upstream.requests.length;
    // The official SDK, the token as its bearer credential.
    const writerToken = await idp.mintAccessToken('bob');
    const client = new Anthropic({ baseURL: w.url, authToken: writerToken, apiKey: null, maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-opus-4-1', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(msg.type, 'message');
    assert.equal(upstream.requests.length, before + 1);
    const fwd = upstream.requests.at(-1)!;
    assert.ok(!JSON.stringify(fwd.rawHeaders).includes(writerToken.split('.')[2]!), 'the token never reaches the provider');
    // Sonnet is open to readers: the token's consumer is otherwise an ordinary consumer.
    assert.equal((await llm(w, await idp.mintAccessToken('alice'), 'claude-sonnet-4-5')).status, 200);
  });

  test('labels from group rules decide on the HTTP door; the audit names issuer and subject, never the token', async () => {
    const alice = await idp.mintAccessToken('alice');
    const bob = await idp.mintAccessToken('bob');
    assert.equal((await api(w, alice, 'GET')).status, 200);
    const denied = await api(w, alice, 'POST');
    assert.equal(denied.status, 403, denied.text);
    assert.match(denied.text, /only production-level consumers write data/);
    assert.equal((await api(w, bob, 'POST')).status, 200);
    assert.ok(backendHits.every((h) => !JSON.stringify(h.headers).includes(bob.split('.')[1]!)), 'the token is not forwarded to the API');

    const res = await llm(w, bob, 'claude-sonnet-4-5');
    const rec = await auditRecordFor(w.auditDir, res.id);
    assert.equal(rec.consumer, 'bob');
    assert.equal(rec.issuer, idp.issuer);
    assert.equal(rec.subject, 'bob');
    assert.match(rec.key_id!, /^oidc_[0-9a-f]{16}$/);
    const all = readdirSync(w.auditDir).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(w.auditDir, f), 'utf8')).join('');
    for (const t of [alice, bob]) for (const part of t.split('.')) assert.ok(!all.includes(part), 'no part of a token is in the audit files');
  });

  test('forged and broken tokens: each 401 with its own reason, on both doors', async () => {
    const f = idp.forge;
    const cases: [string, string, RegExp][] = [
      ['alg none', f.algNone(f.claims('dave')), /algorithm ..none.. \(unsigned\)/],
      ['HS256 with the public key', await f.hs256WithPublicKey(f.claims('dave')), /HMAC/],
      ['wrong issuer (a real IdP Warden does not trust)', await stranger.mintAccessToken('dave'), /not trusted/],
      ['wrong audience', await idp.mintAccessToken('dave', { resource: 'https://other.test' }), /audience/],
      ['expired', await idp.mintAccessToken('dave', { times: { exp: -60 } }), /expired/],
      ['not yet valid', await idp.mintAccessToken('dave', { times: { nbf: 3600 } }), /not valid yet/],
      ['unknown kid', await f.unknownKid(f.claims('dave')), /kid .* is not in the JWKS/],
      ['tampered payload', f.tamper(await idp.mintAccessToken('alice'), { groups: ['data-writer'] }), /signature/],
      ['a fresh key under a real kid', await f.wrongKeyRealKid(f.claims('dave')), /signature/],
      ['not a JWS', 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', /not JSON/],
    ];
    const codes = ['WARDEN_E_TOKEN_ALG', 'WARDEN_E_TOKEN_ALG', 'WARDEN_E_TOKEN_ISSUER', 'WARDEN_E_TOKEN_AUDIENCE', 'WARDEN_E_TOKEN_EXPIRED', 'WARDEN_E_TOKEN_NOT_YET_VALID', 'WARDEN_E_TOKEN_KEY_UNKNOWN', 'WARDEN_E_TOKEN_SIGNATURE', 'WARDEN_E_TOKEN_SIGNATURE', 'WARDEN_E_TOKEN_MALFORMED'];
    for (const [i, [name, token, reason]] of cases.entries()) {
      const a = await llm(w, token);
      assert.equal(a.status, 401, `${name}: ${a.text}`);
      assert.equal(a.code, codes[i], `${name}: ${a.text}`);
      assert.match(a.text, reason, name);
      assert.match(a.text, /authentication_error/);
      assert.match(a.challenge ?? '', /^Bearer error="invalid_token", error_description="[^"]+"$/, `${name}: RFC 6750 challenge`);
      assert.ok(!a.text.includes(token.split('.')[1]!), `${name}: the answer does not echo the token`);
      const h = await api(w, token, 'GET');
      assert.equal(h.status, 401, `${name} (http door): ${h.text}`);
      assert.equal(h.code, codes[i], `${name} (http door)`);
      assert.match(h.challenge ?? '', /^Bearer error="invalid_token"/);
      const rec = await auditRecordFor(w.auditDir, a.id);
      assert.equal(rec.decision, 'deny');
      assert.equal(rec.error_code, codes[i]);
    }
  });

  test('a token of the second trusted issuer is mapped by that issuer\'s rules', async () => {
    const writer = await partner.mintAccessToken('bob');
    const ok = await llm(w, writer);
    assert.equal(ok.status, 200, ok.text);
    const rec = await auditRecordFor(w.auditDir, ok.id);
    assert.equal(rec.consumer, 'partner:bob@example.test');
    assert.equal(rec.issuer, partner.issuer);
    // `groups: [data-writer]` in the claim means nothing here: only realm roles, mapped, count.
    const reader = await partner.mintAccessToken('alice');
    assert.equal((await llm(w, reader)).status, 403);
    assert.equal((await api(w, writer, 'POST')).status, 403, 'label level: sandbox from the issuer, not production');
    // Issuer A's token with issuer B's name does not become B's consumer.
    const crossed = idp.forge.tamper(await idp.mintAccessToken('bob'), { iss: partner.issuer });
    const r = await llm(w, crossed);
    assert.equal(r.status, 401);
    assert.match(r.code!, /WARDEN_E_TOKEN_(KEY_UNKNOWN|SIGNATURE)/);
  });

  test('keys rotated mid-run: the new kid is fetched; a verified token lives as long as its key is published', async () => {
    const old = await idp.mintAccessToken('bob');
    assert.equal((await llm(w, old)).status, 200);
    const unusedOld = await idp.mintAccessToken('bob', { alg: 'ES256' });
    const jwksBefore = idp.hits['/jwks'] ?? 0;
    await idp.rotateKeys({ keepOld: true });
    await new Promise((r) => setTimeout(r, 1100)); // past jwks_refresh_min_seconds
    const fresh = await idp.mintAccessToken('bob');
    const r = await llm(w, fresh);
    assert.equal(r.status, 200, r.text);
    assert.ok((idp.hits['/jwks'] ?? 0) > jwksBefore, 'the unknown kid caused a JWKS fetch');
    assert.equal((await llm(w, old)).status, 200, 'a verified token stays valid while its key is published');
    await idp.rotateKeys(); // the old keys are withdrawn (e.g. one leaked)
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await llm(w, await idp.mintAccessToken('bob'))).status, 200);
    const withdrawn = await llm(w, old);
    assert.equal(withdrawn.status, 401, 'a key the IdP withdrew verifies nothing more, tokens already verified with it included');
    assert.equal(withdrawn.code, 'WARDEN_E_TOKEN_KEY_UNKNOWN');
    const gone = await llm(w, unusedOld);
    assert.equal(gone.status, 401, 'a key the IdP removed no longer verifies new tokens');
    assert.equal(gone.code, 'WARDEN_E_TOKEN_KEY_UNKNOWN');
  });

  test('the IdP unreachable: known keys keep verifying, a new kid fails closed', async () => {
    idp.pause();
    try {
      const known = await idp.mintAccessToken('bob', { alg: 'ES256' });
      const ok = await llm(w, known);
      assert.equal(ok.status, 200, ok.text);
      await idp.rotateKeys(); // new keys the paused IdP cannot publish
      await new Promise((r) => setTimeout(r, 1100));
      const hitsBefore = idp.hits['/jwks'] ?? 0;
      const unknown = await idp.mintAccessToken('bob');
      const r = await llm(w, unknown);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.code, 'WARDEN_E_TOKEN_KEY_UNKNOWN');
      assert.match(r.text, /could not be reached/);
      assert.ok((idp.hits['/jwks'] ?? 0) > hitsBefore, 'a refresh was attempted');
      assert.equal((await llm(w, known)).status, 200);
      const metrics = await (await fetch(`${w.adminUrl}/metrics`)).text();
      assert.match(metrics, new RegExp(`warden_oidc_key_loads_total\\{issuer="${idp.issuer}",result="failed"\\} [1-9]`));
    } finally {
      idp.resume();
    }
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await llm(w, await idp.mintAccessToken('bob'))).status, 200, 'back once the IdP is');
  });

  test('a JWT-shaped credential never falls through to the key store; keys keep working beside tokens', async () => {
    const key = w.key('key-holder').key;
    const byKey = await llm(w, key, 'claude-sonnet-4-5');
    assert.equal(byKey.status, 200);
    const rec = await auditRecordFor(w.auditDir, byKey.id);
    assert.ok(!('issuer' in rec) && !('subject' in rec), 'key records keep their shape');
    for (const shaped of [`eyJ${key}.x.y`, `eyJ${key}`, 'eyJhbGciOiJub25lIn0.e30']) {
      const r = await llm(w, shaped);
      assert.equal(r.status, 401);
      assert.equal(r.code, 'WARDEN_E_TOKEN_MALFORMED', shaped);
    }
  });
});
