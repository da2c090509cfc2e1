import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../types.js';
import { createSecretDetector } from './index.js';
import { anthropicOAuthToken, databaseUrl, DB_SCHEMES, fakeJwt, jwt, pemPrivateKey, wardenKey, type PemKind } from './generators.js';

const detector = createSecretDetector();

/** The findings of `rule`, checked to carry no secret text at all. */
function findingsOf(text: string, rule: string, secret: string): Finding[] {
  const all = detector.detect(text);
  assert.ok(!JSON.stringify(all).includes(secret.slice(0, 12)), 'a finding carries secret text');
  return all.filter((f) => f.rule === rule);
}

/** Exactly one finding of `rule`, whose span is exactly `secret`. */
function assertSpan(text: string, rule: string, secret: string): Finding {
  const found = findingsOf(text, rule, secret);
  assert.equal(found.length, 1, `${rule}: expected one finding in ${JSON.stringify(text.slice(0, 160))}`);
  const f = found[0]!;
  assert.equal(text.slice(f.start, f.end), secret, `${rule}: span is not the secret`);
  assert.equal(f.detector, 'secrets');
  assert.ok(f.confidence > 0 && f.confidence <= 1);
  return f;
}

/** The same secret in the places agents put secrets: env files, JSON, shell, prose. */
function contexts(secret: string): string[] {
  return [
    secret,
    `ANTHROPIC_TOKEN=${secret}\nOTHER=1\n`,
    `{"accessToken":"${secret}","expiresAt":1748000000}`,
    `export TOKEN='${secret}'`,
    `Your token is ${secret}. Keep it safe.`,
    `😀 émoji first, then ${secret}`,
  ];
}

describe('anthropic OAuth tokens', () => {
  for (const [kind, rule] of [['oat', 'anthropic-oauth-token'], ['ort', 'anthropic-oauth-refresh-token']] as const) {
    test(`${rule}: generated tokens are found with exact offsets`, () => {
      for (let i = 0; i < 20; i++) {
        const token = anthropicOAuthToken(kind);
        for (const text of contexts(token)) assertSpan(text, rule, token);
      }
    });
  }
  test('placeholders and truncated tokens are not flagged', () => {
    for (const text of ['sk-ant-oat01-TEST_SETUP_TOKEN_NOT_REAL', 'CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-...', `sk-ant-oat01-${'a'.repeat(60)}`]) {
      assert.deepEqual(detector.detect(text).filter((f) => f.rule.startsWith('anthropic-oauth')), []);
    }
  });
});

describe('warden virtual keys', () => {
  test('generated keys are found, with full confidence', () => {
    for (let i = 0; i < 50; i++) {
      const key = wardenKey();
      for (const text of contexts(key)) assert.equal(assertSpan(text, 'warden-virtual-key', key).confidence, 1);
    }
  });
  test('a key with a broken checksum is not a Warden key', () => {
    const key = wardenKey();
    const last = key[key.length - 1] === 'A' ? 'B' : 'A';
    const typo = key.slice(0, -1) + last;
    assert.deepEqual(findingsOf(`key: ${typo}`, 'warden-virtual-key', typo), []);
  });
});

describe('JWTs', () => {
  test('signed tokens are found, header to signature', () => {
    for (let i = 0; i < 30; i++) {
      const token = jwt({ scope: 'admin', n: i });
      assertSpan(`Authorization: Bearer ${token}\n`, 'jwt', token);
      assertSpan(`{"id_token":"${token}"}`, 'jwt', token);
    }
  });
  test('dotted base64 whose header is not JSON with alg is not a JWT', () => {
    for (let i = 0; i < 20; i++) {
      const fake = fakeJwt();
      assert.deepEqual(findingsOf(`token: ${fake}\n`, 'jwt', fake), []);
    }
    const noAlg = `${Buffer.from('{"typ":"JWT","x":"yy"}').toString('base64url')}.${jwt().split('.')[1]}.c2lnbmF0dXJlc2lnbmF0dXJl`;
    assert.deepEqual(findingsOf(`${noAlg}\n`, 'jwt', noAlg), []);
  });
});

describe('database URLs with passwords', () => {
  for (const scheme of DB_SCHEMES) {
    test(`${scheme}: the finding is the password`, () => {
      for (let i = 0; i < 10; i++) {
        const { url, password } = databaseUrl(scheme, { withAt: i % 3 === 0 });
        for (const text of [url, `DATABASE_URL="${url}"`, `connect to ${url} now`, `{"dsn":"${url}"}`]) {
          assertSpan(text, 'database-url-password', password);
        }
      }
    });
  }
  test('placeholders, env references and password-less URLs are not flagged', () => {
    const texts = [
      'postgres://user:${DB_PASSWORD}@localhost:5432/app',
      'postgresql://app:$PGPASSWORD@db/app',
      'mysql://root:<password>@127.0.0.1/db',
      'mongodb+srv://admin:password@cluster0.mongodb.net/',
      'redis://localhost:6379/0',
      'postgres://postgres@127.0.0.1:5432/test',
      'amqp://guest:****@rabbit:5672/',
    ];
    for (const text of texts) assert.deepEqual(detector.detect(text).filter((f) => f.rule === 'database-url-password'), [], text);
  });
});

describe('PEM private keys', () => {
  for (const kind of ['rsa-pkcs8', 'rsa-pkcs1', 'ec-sec1', 'ed25519-pkcs8'] as const satisfies readonly PemKind[]) {
    test(`${kind}: the whole block is the finding`, () => {
      const pem = pemPrivateKey(kind).trim();
      assertSpan(`key file:\n${pem}\nend of file\n`, 'private-key', pem);
      assertSpan(JSON.stringify({ private_key: pem }).replace(/\\n/g, '\n'), 'private-key', pem);
    });
  }
});

test('gcp-service-account marks a key file with low confidence', () => {
  const text = '{\n  "type": "service_account",\n  "project_id": "demo"\n}';
  const f = assertSpan(text, 'gcp-service-account', '"type": "service_account"');
  assert.ok(f.confidence < 0.5);
});

test('kubernetes-secret-yaml (refined for V8) still finds data values in either order', () => {
  const value = 'c3VwZXItc2VjcmV0LXBhc3N3b3Jk';
  for (const yaml of [
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: ${value}\n`,
    `data:\n  password: ${value}\nkind: Secret\n`,
  ]) {
    const found = findingsOf(yaml, 'kubernetes-secret-yaml', value);
    assert.equal(found.length, 1, yaml);
    assert.equal(yaml.slice(found[0]!.start, found[0]!.end), `password: ${value}`);
  }
  const templated = 'kind: Secret\ndata:\n  password: {{ .Values.password }}\n';
  assert.deepEqual(detector.detect(templated).filter((f) => f.rule === 'kubernetes-secret-yaml'), []);
  assert.deepEqual(detector.detect(`kind: ExternalSecret\ndata:\n  password: ${value}\n`).filter((f) => f.rule === 'kubernetes-secret-yaml'), []);
});
