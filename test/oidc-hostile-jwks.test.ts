/**
 * A broken or hostile IdP: what its JWKS offers is only used as a public signing key of the
 * right type for the token's algorithm. Served by a real HTTP server on 127.0.0.1 (the
 * crafted key set is the attack under test, not a stand-in for oidc-provider).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { WardenError } from '../src/core/errors.js';
import { oidcIssuerSchema } from '../src/identity/oidc/config.js';
import { OidcVerifier } from '../src/identity/oidc/verifier.js';

let server: Server;
let issuer: string;
let jwks: { keys: JWK[] } | string = { keys: [] };
const signers = new Map<string, CryptoKey>();

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    if (req.url === '/jwks') return res.end(typeof jwks === 'string' ? jwks : JSON.stringify(jwks));
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys: JWK[] = [];
  for (const [kid, extra] of [['good', {}], ['enc', { use: 'enc' }], ['pinned', { alg: 'RS512' }]] as const) {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    signers.set(kid, privateKey as CryptoKey);
    keys.push({ ...(await exportJWK(publicKey)), kid, ...extra });
  }
  const { privateKey: ecPriv, publicKey: ecPub } = await generateKeyPair('ES256', { extractable: true });
  signers.set('ec', ecPriv as CryptoKey);
  keys.push({ ...(await exportJWK(ecPub)), kid: 'ec' });
  // A private key published by mistake, and a symmetric one: neither may verify anything.
  const { privateKey: leaked } = await generateKeyPair('RS256', { extractable: true });
  signers.set('leaked', leaked as CryptoKey);
  keys.push({ ...(await exportJWK(leaked)), kid: 'leaked' });
  keys.push({ kty: 'oct', k: Buffer.from('shared-secret-shared-secret-0123').toString('base64url'), kid: 'oct' });
  jwks = { keys };
});
after(() => new Promise<void>((r) => server.close(() => r())));

const claims = () => ({ iss: issuer, aud: 'https://warden.test', sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 300 });
const sign = (kid: string, alg = 'RS256') => new SignJWT(claims()).setProtectedHeader({ alg, kid }).sign(signers.get(kid)!);
const verifier = () => new OidcVerifier([oidcIssuerSchema.parse({ issuer, audience: 'https://warden.test', algorithms: ['RS256', 'RS512', 'ES256'], jwks_refresh_min_seconds: 1 })]);

async function code(v: OidcVerifier, token: string): Promise<string> {
  try {
    await v.verify(token);
    return 'accepted';
  } catch (e) {
    assert.ok(e instanceof WardenError, String(e));
    return e.code;
  }
}

test('only public signing keys of the right type verify', { timeout: 20_000 }, async () => {
  const v = verifier();
  assert.equal(await code(v, await sign('good')), 'accepted');
  assert.equal(await code(v, await sign('enc')), 'WARDEN_E_TOKEN_KEY_UNKNOWN', 'a key for encryption');
  assert.equal(await code(v, await sign('pinned')), 'WARDEN_E_TOKEN_KEY_UNKNOWN', 'a key pinned to RS512 used for RS256');
  assert.equal(await code(v, await sign('leaked')), 'WARDEN_E_TOKEN_KEY_UNKNOWN', 'a published private key is skipped');
  assert.equal(await code(v, await sign('ec', 'ES256')), 'accepted');
  // RS256 claimed with the kid of the EC key: wrong key type, never tried.
  const confused = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'ec' }).sign(signers.get('good')!);
  assert.equal(await code(v, confused), 'WARDEN_E_TOKEN_KEY_UNKNOWN');
  const hmac = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'oct' }).sign(Buffer.from('shared-secret-shared-secret-0123'));
  assert.equal(await code(v, hmac), 'WARDEN_E_TOKEN_ALG', 'HMAC with the published symmetric key');
});

test('a JWKS that is not one, or too large, is refused and reported', { timeout: 20_000 }, async () => {
  const saved = jwks;
  try {
    jwks = 'not json';
    assert.match((await verifier().warm())[0]!.error!, /JSON/);
    jwks = JSON.stringify({ keys: [] }).replace('[]', `[${'{"kty":"RSA","n":"AQAB","e":"AQAB"},'.repeat(20_000)}{}]`);
    assert.match((await verifier().warm())[0]!.error!, /larger than/);
    jwks = { nokeys: true } as unknown as { keys: JWK[] };
    assert.match((await verifier().warm())[0]!.error!, /not a JWKS/);
  } finally {
    jwks = saved;
  }
});
