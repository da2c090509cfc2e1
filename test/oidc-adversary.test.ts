/**
 * A hostile second reading of OIDC identity: attacks by a client with no credential, with a
 * valid token of a trusted issuer, with a token of another trusted issuer, and by a broken or
 * hostile IdP. Tokens come from the real oidc-provider fixture (forgeries are signed with its
 * real keys where the attack needs the issuer's signature); the hostile JWKS is served by a
 * real HTTP server on 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { WardenError } from '../src/core/errors.js';
import { Identity } from '../src/identity/identity.js';
import { oidcIssuerSchema } from '../src/identity/oidc/config.js';
import type { FetchLike } from '../src/identity/oidc/jwks.js';
import { OidcVerifier } from '../src/identity/oidc/verifier.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { startTestIdp, type TestIdp } from './support/oidc-idp.js';

const AUD = 'https://warden.test';

async function outcome(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (e) {
    assert.ok(e instanceof WardenError, String(e));
    assert.equal(e.status, 401, `${e.code}: ${e.message}`);
    return e.code;
  }
}

async function refusal(run: () => unknown): Promise<WardenError> {
  try {
    await run();
  } catch (e) {
    assert.ok(e instanceof WardenError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

describe('OIDC under attack: tokens of trusted issuers', { timeout: 60_000 }, () => {
  let idp: TestIdp;
  let partner: TestIdp;
  before(async () => {
    idp = await startTestIdp({ accounts: { alice: { groups: ['data-reader'] }, 'prod-bot': { groups: [] } } });
    partner = await startTestIdp();
  });
  after(async () => {
    await Promise.all([idp.stop(), partner.stop()]);
  });
  const cfg = (issuer: string, extra: Record<string, unknown> = {}) => oidcIssuerSchema.parse({ issuer, audience: AUD, jwks_refresh_min_seconds: 1, ...extra });

  test('a cached token stops verifying once its signing key is gone from the JWKS', async () => {
    const v = new OidcVerifier([cfg(idp.issuer)]);
    const old = await idp.mintAccessToken('alice', { ttl: 3600 });
    assert.equal((await v.verify(old)).subject, 'alice');
    const oldKids = idp.kids();
    // The IdP rotates its keys away (e.g. the old key leaked); a token of the new key makes Warden reload.
    await idp.rotateKeys();
    const later = Date.now() + 2000;
    assert.equal((await v.verify(await idp.mintAccessToken('alice'), later)).subject, 'alice');
    assert.ok(oldKids.every((k) => !v.kids(idp.issuer).includes(k)), 'Warden reloaded the rotated key set');
    assert.equal(await outcome(() => v.verify(old, later)), 'WARDEN_E_TOKEN_KEY_UNKNOWN', 'no cached acceptance outlives the key');
  });

  test('with only cached tokens in use, a withdrawn key is noticed within jwks_max_age_seconds', async () => {
    const v = new OidcVerifier([cfg(idp.issuer, { jwks_max_age_seconds: 60 })]);
    const old = await idp.mintAccessToken('alice', { ttl: 3600 });
    assert.equal((await v.verify(old)).subject, 'alice');
    const oldKids = idp.kids();
    await idp.rotateKeys();
    const stale = Date.now() + 61_000;
    // The cached answer is still given while the key set is re-read in the background.
    assert.ok(!(v.verify(old, stale) instanceof Promise));
    for (let i = 0; i < 100 && oldKids.some((k) => v.kids(idp.issuer).includes(k)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await outcome(() => v.verify(old, stale)), 'WARDEN_E_TOKEN_KEY_UNKNOWN');
  });

  test('a key of issuer A never verifies a token claiming issuer B', async () => {
    const v = new OidcVerifier([cfg(idp.issuer), cfg(partner.issuer)]);
    await v.warm();
    // Signed with A's real key under A's kid, claiming B: B's key set has no such kid.
    const crossed = await idp.forge.signedByIssuer(partner.forge.claims('alice'));
    assert.equal(await outcome(() => v.verify(crossed)), 'WARDEN_E_TOKEN_KEY_UNKNOWN');
    // Signed with A's key under B's kid: the signature check fails.
    const [bKid] = partner.kids();
    const underBKid = await idp.forge.signedByIssuer(partner.forge.claims('alice'), { kid: bKid });
    assert.equal(await outcome(() => v.verify(underBKid)), 'WARDEN_E_TOKEN_SIGNATURE');
  });

  test('headers that bring their own key (jwk, jku, x5u) are never honoured; unknown crit is refused', async () => {
    const v = new OidcVerifier([cfg(idp.issuer)]);
    await v.warm();
    const mine = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(mine.publicKey);
    const [realKid] = idp.kids();
    for (const header of [{ jwk }, { jku: 'http://127.0.0.1:1/jwks' }, { x5u: 'http://127.0.0.1:1/cert' }]) {
      const t = await new SignJWT(idp.forge.claims('alice')).setProtectedHeader({ alg: 'RS256', kid: realKid, ...header }).sign(mine.privateKey);
      assert.equal(await outcome(() => v.verify(t)), 'WARDEN_E_TOKEN_SIGNATURE', JSON.stringify(Object.keys(header)));
    }
    const crit = await idp.forge.signedByIssuer(idp.forge.claims('alice'), { crit: ['x-warden-unknown'], 'x-warden-unknown': 1 });
    assert.equal(await outcome(() => v.verify(crit)), 'WARDEN_E_TOKEN_MALFORMED');
  });

  test('time claims of the wrong type, audiences as arrays', async () => {
    const v = new OidcVerifier([cfg(idp.issuer)]);
    const now = Math.floor(Date.now() / 1000);
    const signed = (extra: Record<string, unknown>) => idp.forge.signedByIssuer(idp.forge.claims('alice', extra));
    assert.notEqual(await outcome(async () => v.verify(await signed({ exp: String(now + 300) }))), 'accepted', 'exp as a string');
    assert.notEqual(await outcome(async () => v.verify(await signed({ nbf: String(now + 3000) }))), 'accepted', 'nbf as a string');
    assert.notEqual(await outcome(async () => v.verify(await signed({ iat: 'soon' }))), 'accepted', 'iat as a string');
    assert.equal(await outcome(async () => v.verify(await signed({ exp: now - 3600 }))), 'WARDEN_E_TOKEN_EXPIRED');
    assert.equal(await outcome(async () => v.verify(await signed({ aud: ['https://other.test', AUD] }))), 'accepted');
    assert.equal(await outcome(async () => v.verify(await signed({ aud: ['https://other.test', `${AUD}/`] }))), 'WARDEN_E_TOKEN_AUDIENCE');
    assert.equal(await outcome(async () => v.verify(await signed({ aud: [] }))), 'WARDEN_E_TOKEN_AUDIENCE');
  });

  test('the subject must be a bounded string: it names the person in audit and limits', async () => {
    const v = new OidcVerifier([cfg(idp.issuer, { name_claim: 'email' })]);
    const signed = (sub: unknown) => idp.forge.signedByIssuer(idp.forge.claims('alice', { sub, email: 'alice@example.test' }));
    assert.equal(await outcome(async () => v.verify(await signed('alice'))), 'accepted');
    assert.equal(await outcome(async () => v.verify(await signed({ id: 'alice' }))), 'WARDEN_E_TOKEN_CLAIMS', 'an object sub');
    assert.equal(await outcome(async () => v.verify(await signed(42))), 'WARDEN_E_TOKEN_CLAIMS', 'a number sub');
    assert.equal(await outcome(async () => v.verify(await signed(''))), 'WARDEN_E_TOKEN_CLAIMS', 'an empty sub');
    assert.equal(await outcome(async () => v.verify(await signed('x'.repeat(4000)))), 'WARDEN_E_TOKEN_CLAIMS', 'a huge sub');
  });

  test('an email the IdP marks unverified never names a consumer', async () => {
    const v = new OidcVerifier([cfg(idp.issuer, { name_claim: 'email' })]);
    const signed = (extra: Record<string, unknown>) => idp.forge.signedByIssuer(idp.forge.claims('mallory', { email: 'ceo@example.test', ...extra }));
    assert.equal(await outcome(async () => v.verify(await signed({ email_verified: false }))), 'WARDEN_E_TOKEN_CLAIMS');
    assert.equal(await outcome(async () => v.verify(await signed({ email_verified: 'false' }))), 'WARDEN_E_TOKEN_CLAIMS');
    assert.equal(await outcome(async () => v.verify(await signed({ email_verified: true }))), 'accepted');
    assert.equal(await outcome(async () => v.verify(await signed({}))), 'accepted', 'IdPs that do not say are taken at their word');
  });

  test('a reload that changes the audience or drops the issuer does not keep tokens verified under the old config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-oidc-reaud-'));
    const store = openSqliteStore(join(dir, 'w.db'));
    try {
      const identity = new Identity(store, []);
      const auth = async (t: string) => {
        const r = identity.authenticate(t);
        return r instanceof Promise ? await r : r;
      };
      identity.setOidcIssuers([cfg(idp.issuer), cfg(partner.issuer)]);
      const t = await idp.mintAccessToken('alice');
      assert.equal((await auth(t)).consumer.name, 'alice');
      identity.setOidcIssuers([cfg(idp.issuer, { audience: 'https://elsewhere.test' }), cfg(partner.issuer)]);
      assert.equal((await refusal(async () => auth(t))).code, 'WARDEN_E_TOKEN_AUDIENCE');
      identity.setOidcIssuers([cfg(partner.issuer)]);
      assert.equal((await refusal(async () => auth(t))).code, 'WARDEN_E_TOKEN_ISSUER');
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a token whose name is a configured or stored consumer is refused, not given its policies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-oidc-collide-'));
    const store = openSqliteStore(join(dir, 'w.db'));
    try {
      const identity = new Identity(store, [{ name: 'prod-bot', groups: ['prod'], labels: { level: 'production' }, models: [] }]);
      store.upsertConsumer({ name: 'billing-svc', groups: ['billing'], labels: {}, models: [] });
      identity.setOidcIssuers([cfg(idp.issuer, { name_claim: 'preferred_username' })]);
      const auth = async (t: string) => {
        const r = identity.authenticate(t);
        return r instanceof Promise ? await r : r;
      };
      assert.equal((await auth(await idp.mintAccessToken('alice'))).consumer.name, 'alice');
      const asProd = await refusal(async () => auth(await idp.mintAccessToken('prod-bot')));
      assert.equal(asProd.code, 'WARDEN_E_TOKEN_CLAIMS');
      assert.equal(asProd.status, 401);
      assert.match(asProd.message, /consumer_prefix/);
      const asBilling = await refusal(async () => auth(await idp.forge.signedByIssuer(idp.forge.claims('billing-svc', { preferred_username: 'billing-svc' }))));
      assert.equal(asBilling.code, 'WARDEN_E_TOKEN_CLAIMS');
      // The same token, once the config is reloaded without the consumer, is accepted; and the
      // cached verification does not skip the check when a consumer appears later.
      const late = await idp.forge.signedByIssuer(idp.forge.claims('carol', { preferred_username: 'carol' }));
      assert.equal((await auth(late)).consumer.name, 'carol');
      identity.setConfigConsumers([{ name: 'carol', groups: ['admin'], labels: {}, models: [] }]);
      assert.equal((await refusal(async () => auth(late))).code, 'WARDEN_E_TOKEN_CLAIMS');
      // A prefix keeps them apart.
      identity.setOidcIssuers([cfg(idp.issuer, { name_claim: 'preferred_username', consumer_prefix: 'idp:' })]);
      assert.equal((await auth(await idp.mintAccessToken('prod-bot'))).consumer.name, 'idp:prod-bot');
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OIDC under attack: a hostile JWKS endpoint', { timeout: 60_000 }, () => {
  let server: Server;
  let issuer: string;
  let serveJwks: (res: ServerResponse) => unknown = (res) => res.end('{"keys":[]}');
  let signer: CryptoKey;
  let publicJwk: JWK;

  before(async () => {
    server = createServer((req, res) => {
      res.on('error', () => {});
      if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      if (req.url === '/jwks') return void serveJwks(res);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pair = await generateKeyPair('RS256', { extractable: true });
    signer = pair.privateKey as CryptoKey;
    publicJwk = await exportJWK(pair.publicKey);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const verifier = () => new OidcVerifier([oidcIssuerSchema.parse({ issuer, audience: AUD, algorithms: ['RS256'], jwks_refresh_min_seconds: 1, fetch_timeout_ms: 10_000 })]);
  const token = (kid: string) =>
    new SignJWT({ iss: issuer, aud: AUD, sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 300 }).setProtectedHeader({ alg: 'RS256', kid }).sign(signer);

  test('an endless JWKS body is cut off at the size bound, not read into memory', async () => {
    let sent = 0;
    serveJwks = (res) => {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (sent < 256 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.setHeader('content-type', 'application/json');
      res.write('{"keys":[');
      pump();
    };
    const [r] = await verifier().warm();
    assert.match(r!.error!, /larger than/);
    assert.ok(sent < 32 * 1024 * 1024, `the IdP got to send ${Math.round(sent / 1048576)} MiB before Warden stopped reading`);
  });

  test('what a broken JWKS says is not echoed to a client that sends a token', async () => {
    serveJwks = (res) => res.end('SECRET_internal_proxy_page <html>');
    const v = verifier();
    const e = await refusal(async () => v.verify(await token('k1')));
    assert.equal(e.code, 'WARDEN_E_TOKEN_KEY_UNKNOWN');
    assert.doesNotMatch(e.message, /SECRET/);
  });

  test('a redirect from the JWKS endpoint is not followed: keys come from the configured place only', async () => {
    const elsewhere = JSON.stringify({ keys: [{ ...publicJwk, kid: 'k1' }] });
    const local = createServer((_req, res) => res.end(elsewhere));
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    try {
      serveJwks = (res) => {
        res.writeHead(302, { location: `http://127.0.0.1:${(local.address() as AddressInfo).port}/jwks` });
        res.end();
      };
      const v = verifier();
      const e = await refusal(async () => v.verify(await token('k1')));
      assert.equal(e.code, 'WARDEN_E_TOKEN_KEY_UNKNOWN');
      assert.match(e.message, /redirect/);
    } finally {
      local.closeAllConnections();
      await new Promise<void>((r) => local.close(() => r()));
    }
  });

  test('one kid on keys of different types (RFC 7517 §4.5): the key that fits the algorithm is used', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    serveJwks = async (res) => res.end(JSON.stringify({ keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'dup' }, { ...publicJwk, kid: 'dup' }] }));
    const v = verifier();
    assert.equal(await outcome(async () => v.verify(await token('dup'))), 'accepted');
  });

  test('a key whose key_ops do not include verify never verifies', async () => {
    serveJwks = (res) => res.end(JSON.stringify({ keys: [{ ...publicJwk, kid: 'wrap', key_ops: ['encrypt', 'wrapKey'] }, { ...publicJwk, kid: 'ok', key_ops: ['verify'] }] }));
    const v = verifier();
    assert.equal(await outcome(async () => v.verify(await token('ok'))), 'accepted');
    assert.equal(await outcome(async () => v.verify(await token('wrap'))), 'WARDEN_E_TOKEN_KEY_UNKNOWN');
  });
});

test('an https issuer whose discovery points jwks_uri at plain http (on this machine) is not followed', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-oidc-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const cert = readFileSync(certFile);
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1' }] });
  // A service of this machine that happens to answer with a key set (or anything else).
  const local = createServer((_req, res) => res.end(jwks));
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
  let issuer = '';
  const tls = createHttpsServer({ key: readFileSync(keyFile), cert }, (_req, res) =>
    res.end(JSON.stringify({ issuer, jwks_uri: `http://127.0.0.1:${(local.address() as AddressInfo).port}/jwks` })),
  );
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  issuer = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  const dispatcher = new Agent({ connect: { ca: cert } });
  const trusting: FetchLike = (url, init) => undiciFetch(url, { ...init, dispatcher }) as ReturnType<FetchLike>;
  try {
    const v = new OidcVerifier([oidcIssuerSchema.parse({ issuer, audience: AUD, algorithms: ['RS256'] })], { fetch: trusting });
    const [r] = await v.warm();
    assert.match(r!.error ?? 'loaded', /https/);
    const token = await new SignJWT({ iss: issuer, aud: AUD, sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 300 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(pair.privateKey);
    assert.equal(await outcome(() => v.verify(token)), 'WARDEN_E_TOKEN_KEY_UNKNOWN');
  } finally {
    await dispatcher.close();
    tls.closeAllConnections();
    local.closeAllConnections();
    await Promise.all([new Promise((r) => tls.close(r)), new Promise((r) => local.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  }
});
