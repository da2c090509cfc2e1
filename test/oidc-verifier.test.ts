/**
 * OidcVerifier against a real OpenID Provider: the cached path is synchronous, forged kids
 * cannot hammer the IdP, typ rules, cache expiry at `exp`, an IdP that was never reachable,
 * a discovery document that names another issuer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError } from '../src/core/errors.js';
import { oidcIssuerSchema } from '../src/identity/oidc/config.js';
import { looksLikeJwt, OidcVerifier } from '../src/identity/oidc/verifier.js';
import { startTestIdp, type TestIdp } from './support/oidc-idp.js';

const AUD = 'https://warden.test';

/** verify() throws at once for what needs no key, and rejects for what does: both are refusals. */
async function refusal(run: () => unknown): Promise<WardenError> {
  try {
    await run();
  } catch (e) {
    assert.ok(e instanceof WardenError, String(e));
    assert.equal(e.status, 401);
    return e;
  }
  assert.fail('expected a refusal');
}

describe('OidcVerifier', { timeout: 30_000 }, () => {
  let idp: TestIdp;
  before(async () => { idp = await startTestIdp(); });
  after(async () => { await idp.stop(); });
  const cfg = (extra: Record<string, unknown> = {}) => oidcIssuerSchema.parse({ issuer: idp.issuer, audience: AUD, ...extra });

  test('looksLikeJwt: compact JWS shape only, never a Warden key', () => {
    assert.equal(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'), true);
    assert.equal(looksLikeJwt('wdn_0123456789abcdefghijklmnopqrstuvwxyzABCDEF'), false);
    assert.equal(looksLikeJwt('eyJ.a'), false);
    assert.equal(looksLikeJwt('eyJ.a.b.c.d'), false, 'a JWE (5 parts) is not taken for a JWS');
    assert.equal(looksLikeJwt('sk-ant-api03-xyz'), false);
  });

  test('first sight is a promise; afterwards the same principal, synchronously, without a fetch', async () => {
    const v = new OidcVerifier([cfg()]);
    const token = await idp.mintAccessToken('alice');
    const first = v.verify(token);
    assert.ok(first instanceof Promise);
    const p = await first;
    assert.equal(p.subject, 'alice');
    assert.equal(p.issuer, idp.issuer);
    assert.deepEqual(p.groups, ['data-reader']);
    const jwks = idp.hits['/jwks'];
    const again = v.verify(token);
    assert.ok(!(again instanceof Promise));
    assert.equal(again, p);
    assert.equal(idp.hits['/jwks'], jwks);
  });

  test('a burst of requests with one new token shares one verification', async () => {
    const v = new OidcVerifier([cfg()]);
    await v.warm();
    const token = await idp.mintAccessToken('carol');
    const burst = Array.from({ length: 10 }, () => v.verify(token));
    assert.ok(burst.every((p) => p === burst[0]), 'the same promise for every concurrent caller');
    const [p] = await Promise.all(burst);
    assert.equal(v.verify(token), p);
  });

  test('a cached token stops being accepted at its exp', async () => {
    const v = new OidcVerifier([cfg({ clock_skew_seconds: 0 })]);
    const token = await idp.mintAccessToken('bob', { ttl: 60 });
    const p = await v.verify(token);
    const late = p.expiresAt + 1000;
    const e = await refusal(() => v.verify(token, late));
    assert.equal(e.code, 'WARDEN_E_TOKEN_EXPIRED');
  });

  test('a flood of unknown kids costs the IdP at most one JWKS fetch per refresh interval', async () => {
    const v = new OidcVerifier([cfg({ jwks_refresh_min_seconds: 60 })]);
    await v.warm();
    const before = idp.hits['/jwks'] ?? 0;
    const forged = await Promise.all(Array.from({ length: 20 }, () => idp.forge.unknownKid(idp.forge.claims('dave'))));
    const errors = await Promise.all(forged.map((t) => refusal(() => v.verify(t))));
    assert.ok(errors.every((e) => e.code === 'WARDEN_E_TOKEN_KEY_UNKNOWN'));
    assert.ok((idp.hits['/jwks'] ?? 0) - before <= 1, `JWKS fetched ${(idp.hits['/jwks'] ?? 0) - before} times`);
  });

  test('typ: an ID or logout token is not an access token; a configured typ is required', async () => {
    const v = new OidcVerifier([cfg()]);
    const claims = idp.forge.claims('alice');
    assert.equal((await refusal(async () => v.verify(await idp.forge.signedByIssuer(claims, { typ: 'logout+jwt' })))).code, 'WARDEN_E_TOKEN_CLAIMS');
    assert.equal((await v.verify(await idp.forge.signedByIssuer(claims, { typ: 'JWT' }))).subject, 'alice');
    const strict = new OidcVerifier([cfg({ typ: 'at+jwt' })]);
    assert.equal((await strict.verify(await idp.mintAccessToken('alice'))).subject, 'alice');
    const e = await refusal(async () => strict.verify(await idp.forge.signedByIssuer(idp.forge.claims('alice'), { typ: 'JWT' })));
    assert.equal(e.code, 'WARDEN_E_TOKEN_CLAIMS');
    assert.match(e.message, /typ must be at\+jwt/);
  });

  test('claims: no sub, no exp, a future iat', async () => {
    const v = new OidcVerifier([cfg({ clock_skew_seconds: 10 })]);
    const { sub: _s, ...noSub } = idp.forge.claims('alice');
    assert.equal((await refusal(async () => v.verify(await idp.forge.signedByIssuer(noSub)))).code, 'WARDEN_E_TOKEN_CLAIMS');
    const { exp: _e, ...noExp } = idp.forge.claims('alice');
    assert.equal((await refusal(async () => v.verify(await idp.forge.signedByIssuer(noExp)))).code, 'WARDEN_E_TOKEN_CLAIMS');
    const future = idp.forge.claims('alice', { iat: Math.floor(Date.now() / 1000) + 600 });
    assert.equal((await refusal(async () => v.verify(await idp.forge.signedByIssuer(future)))).code, 'WARDEN_E_TOKEN_NOT_YET_VALID');
  });

  test('an algorithm outside the issuer\'s list is refused before any key is fetched', async () => {
    const v = new OidcVerifier([cfg({ algorithms: ['RS256'] })]);
    const before = idp.hits['/jwks'] ?? 0;
    const e = await refusal(async () => v.verify(await idp.mintAccessToken('alice', { alg: 'ES256' })));
    assert.equal(e.code, 'WARDEN_E_TOKEN_ALG');
    assert.equal(idp.hits['/jwks'] ?? 0, before);
  });

  test('an IdP never reached: tokens fail closed with the reason', async () => {
    const down = await startTestIdp();
    const token = await down.mintAccessToken('alice');
    await down.stop();
    const v = new OidcVerifier([oidcIssuerSchema.parse({ issuer: down.issuer, audience: AUD, fetch_timeout_ms: 500 })]);
    const e = await refusal(() => v.verify(token));
    assert.equal(e.code, 'WARDEN_E_TOKEN_KEY_UNKNOWN');
    assert.match(e.message, /could not be reached/);
  });

  test('a discovery document naming another issuer is not trusted', async () => {
    // The issuer string differs from what the IdP publishes only by a trailing slash.
    const v = new OidcVerifier([oidcIssuerSchema.parse({ issuer: `${idp.issuer}/`, audience: AUD })]);
    const [r] = await v.warm();
    assert.match(r!.error!, /names issuer/);
  });
});
