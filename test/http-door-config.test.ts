/** Bad routes and policies are refused at load with their config path; a reload keeps the old version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, validateConfig } from '../src/config/load.js';
import { buildSnapshot, closeSnapshot } from '../src/runtime/snapshot.js';
import { httpPart } from '../src/doors/http/part.js';

function problems(raw: unknown): string[] {
  try {
    const s = buildSnapshot(validateConfig(raw));
    void closeSnapshot(s);
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
}

const upstream = { nodes: { '127.0.0.1:9': 1 } };

test('route problems name their path', () => {
  assert.match(problems({ routes: [{ id: 'a', uri: '/a', upstream }, { id: 'a', uri: '/b', upstream }] })[0]!, /^routes\[1\]\.id: "a" is declared twice/);
  assert.match(problems({ routes: [{ id: 'a', uri: '/a', upstream, policies: ['nope'] }] })[0]!, /^routes\[0\]\.policies\[0\]: no policy named "nope"/);
  assert.match(problems({ routes: [{ id: 'a', uri: '/a', upstream: { nodes: { '127.0.0.1:9': 0 } } }] })[0]!, /^routes\[0\]\.upstream\.nodes/);
  assert.throws(() => validateConfig({ routes: [{ id: 'a', uri: '/a/../b', upstream }] }), (e: ConfigError) => e.problems[0]!.startsWith('routes.[0].uri') || e.problems[0]!.startsWith('routes[0].uri'));
});

test('a CEL rule that does not compile is refused with its path; route attachments compile with the policy', () => {
  const p = problems({ policy: { policies: { p: { rules: [{ id: 'r', when: 'request.method ==' }] } } }, routes: [{ id: 'a', uri: '/a/*', upstream, policies: ['p'] }] });
  assert.ok(p.some((x) => x.startsWith('policy.policies.p.rules')), p.join('\n'));
  const ok = buildSnapshot(validateConfig({ policy: { policies: { p: { default: 'deny' } } }, routes: [{ id: 'a', uri: '/a/*', upstream, policies: ['p'] }] }));
  assert.equal(ok.policy.routes.get('a')?.[0]?.name, 'p');
  assert.ok(ok.part(httpPart).match('/a/x', 'GET', 'h'));
  void closeSnapshot(ok);
});
