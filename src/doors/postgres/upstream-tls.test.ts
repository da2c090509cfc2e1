import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresSchema } from './config.js';
import { isLoopbackHost, resolveUpstreamTls, upstreamTlsMode } from './upstream-tls.js';

const parse = (upstream: Record<string, unknown>) => postgresSchema.safeParse({ upstream: { user: 'postgres', ...upstream } });
const messages = (r: ReturnType<typeof parse>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

test('loopback is 127.0.0.0/8, ::1 and localhost only', () => {
  for (const h of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost', 'LOCALHOST']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['10.0.0.5', 'db.internal', '127.0.0.1.nip.io', '::ffff:10.0.0.1', '0.0.0.0', 'localhost.example.com']) assert.ok(!isLoopbackHost(h), h);
});

test('the default mode: plaintext on loopback (as before), verify-full off it', () => {
  assert.equal(upstreamTlsMode('127.0.0.1', {}), 'disable');
  assert.equal(upstreamTlsMode('db.internal', {}), 'verify-full');
  assert.equal(resolveUpstreamTls('127.0.0.1', {}), undefined);
  assert.equal(resolveUpstreamTls('db.internal', {})?.serverName, 'db.internal');
  const r = parse({ host: 'db.internal' });
  assert.ok(r.success);
  assert.equal(r.data.upstream.tls.allow_plaintext, false);
});

test('plaintext off loopback is refused unless allowed explicitly', () => {
  assert.match(messages(parse({ host: '10.0.0.5', tls: { mode: 'disable' } })).join('\n'), /^upstream\.tls\.mode: plaintext to 10\.0\.0\.5, which is not loopback, would carry .* set postgres\.upstream\.tls\.allow_plaintext: true/);
  assert.ok(parse({ host: '10.0.0.5', tls: { mode: 'disable', allow_plaintext: true } }).success);
  assert.ok(parse({ host: '127.0.0.1', tls: { mode: 'disable' } }).success);
});

test('contradictions are refused: a CA with require, a CA or name without TLS', () => {
  assert.match(messages(parse({ tls: { mode: 'require', ca: 'PEM' } })).join('\n'), /upstream\.tls\.ca: mode require does not verify/);
  assert.match(messages(parse({ tls: { server_name: 'db' } })).join('\n'), /upstream\.tls\.mode: ca and server_name apply only with TLS/);
  assert.match(messages(parse({ tls: { mode: 'prefer' } })).join('\n'), /upstream\.tls\.mode/);
});
