/**
 * The test IdP is a real OpenID Provider: discovery, JWKS, JWT access tokens from its own
 * models and token endpoint, the device and authorization-code (PKCE) flows of `warden-cli`,
 * refresh, key rotation and unreachability. The tests of Warden's OIDC identity and of
 * `warden login` stand on this.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { CLI_CLIENT_ID, DEFAULT_RESOURCE, startTestIdp, type TestIdp } from './support/oidc-idp.js';

async function form(url: string, body: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

describe('test IdP (oidc-provider)', { timeout: 30_000 }, () => {
  let idp: TestIdp;
  before(async () => { idp = await startTestIdp({ accessTokenTtl: 120 }); });
  after(async () => { await idp.stop(); });

  test('discovery and JWKS publish RS256 and ES256 keys', async () => {
    const disc = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(disc.issuer, idp.issuer);
    assert.equal(disc.jwks_uri, idp.jwksUri);
    assert.ok((disc.grant_types_supported as string[]).includes('urn:ietf:params:oauth:grant-type:device_code'));
    const jwks = (await (await fetch(idp.jwksUri)).json()) as { keys: { kid: string; alg: string; d?: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
    assert.ok(jwks.keys.every((k) => k.d === undefined), 'no private parts published');
  });

  test('minted access tokens are provider-signed JWTs with groups and nested roles', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const token = await idp.mintAccessToken('alice', { alg });
      const h = decodeProtectedHeader(token);
      assert.equal(h.alg, alg);
      assert.equal(h.typ, 'at+jwt');
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), { issuer: idp.issuer, audience: DEFAULT_RESOURCE });
      assert.equal(payload.sub, 'alice');
      assert.deepEqual(payload.groups, ['data-reader']);
      assert.deepEqual((payload.realm_access as { roles: string[] }).roles, ['reader']);
      assert.ok(payload.exp! - payload.iat! === 120);
    }
  });

  test('time overrides go through the provider signer', async () => {
    const token = await idp.mintAccessToken('bob', { times: { nbf: 3600 } });
    await assert.rejects(jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri))), /nbf/);
  });

  test('client_credentials over the token endpoint', async () => {
    const token = await idp.clientCredentialsToken();
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), { audience: DEFAULT_RESOURCE });
    assert.equal(payload.sub, 'warden-ci');
    assert.deepEqual(payload.groups, ['ci']);
  });

  test('device flow: approve as carol, poll, refresh', async () => {
    const start = await form(`${idp.issuer}/device/auth`, { client_id: CLI_CLIENT_ID, scope: 'openid offline_access api', resource: DEFAULT_RESOURCE });
    assert.equal(start.status, 200, JSON.stringify(start.json));
    const pending = await form(`${idp.issuer}/token`, { client_id: CLI_CLIENT_ID, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: start.json.device_code! });
    assert.equal(pending.json.error, 'authorization_pending');
    await idp.approveDevice(start.json.user_code!, 'carol');
    const done = await form(`${idp.issuer}/token`, { client_id: CLI_CLIENT_ID, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: start.json.device_code! });
    assert.equal(done.status, 200, JSON.stringify(done.json));
    const { payload } = await jwtVerify(done.json.access_token!, createRemoteJWKSet(new URL(idp.jwksUri)), { audience: DEFAULT_RESOURCE });
    assert.equal(payload.sub, 'carol');
    assert.ok(done.json.refresh_token);
    const refreshed = await form(`${idp.issuer}/token`, { client_id: CLI_CLIENT_ID, grant_type: 'refresh_token', refresh_token: done.json.refresh_token!, resource: DEFAULT_RESOURCE });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
    assert.notEqual(refreshed.json.access_token, done.json.access_token);
  });

  test('authorization code with PKCE on a loopback redirect', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirect = 'http://127.0.0.1:53123/callback';
    const url = `${idp.issuer}/auth?${new URLSearchParams({ client_id: CLI_CLIENT_ID, response_type: 'code', redirect_uri: redirect, scope: 'openid offline_access api', resource: DEFAULT_RESOURCE, code_challenge: challenge, code_challenge_method: 'S256', state: 'st' })}`;
    const back = new URL(await idp.authorize(url, 'dave'));
    assert.equal(back.origin + back.pathname, redirect);
    assert.equal(back.searchParams.get('state'), 'st');
    const tok = await form(`${idp.issuer}/token`, { client_id: CLI_CLIENT_ID, grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: redirect, code_verifier: verifier, resource: DEFAULT_RESOURCE });
    assert.equal(tok.status, 200, JSON.stringify(tok.json));
    const { payload } = await jwtVerify(tok.json.access_token!, createRemoteJWKSet(new URL(idp.jwksUri)), { audience: DEFAULT_RESOURCE });
    assert.equal(payload.sub, 'dave');
    assert.deepEqual(payload.groups, ['admin']);
    assert.ok(tok.json.refresh_token);
  });

  test('rotation publishes new kids; pause makes the IdP unreachable', async () => {
    const before = idp.kids();
    const { kids } = await idp.rotateKeys();
    assert.deepEqual(idp.kids(), kids);
    const jwks = (await (await fetch(idp.jwksUri)).json()) as { keys: { kid: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [...kids].sort());
    assert.ok(!jwks.keys.some((k) => before.includes(k.kid)));
    assert.equal(decodeProtectedHeader(await idp.mintAccessToken('alice')).kid, kids[0]);
    idp.pause();
    await assert.rejects(fetch(idp.jwksUri));
    idp.resume();
    assert.equal((await fetch(idp.jwksUri)).status, 200);
  });

  test('a second issuer starts beside the first', async () => {
    const second = await startTestIdp({ resources: ['https://warden.test'] });
    try {
      assert.notEqual(second.issuer, idp.issuer);
      const { payload } = await jwtVerify(await second.mintAccessToken('bob'), createRemoteJWKSet(new URL(second.jwksUri)), { issuer: second.issuer });
      assert.equal(payload.sub, 'bob');
    } finally {
      await second.stop();
    }
  });
});
