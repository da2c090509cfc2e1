import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, validateConfig } from './load.js';
import { applyOverlay, attachmentsOf, parseOverlay, parseOverlayPolicy, parseOverlayRoute } from './overlay.js';

const upstream = { nodes: { '127.0.0.1:9000': 1 } };
const file = validateConfig({
  routes: [
    { id: 'a', uri: '/a/*', upstream },
    { id: 'b', uri: '/b/*', upstream, policies: ['from-file'] },
  ],
  policy: { policies: { 'from-file': { rules: [{ id: 'r', when: 'true' }] } }, attach: { global: ['from-file'], routes: { a: ['from-file'] } } },
});

test('overlay: same id replaces in place, new ids append, attachments add to the file', () => {
  const overlay = parseOverlay([
    { kind: 'route', id: 'b', item: { id: 'b', uri: '/bee', upstream }, updatedAt: 1 },
    { kind: 'route', id: 'c', item: { id: 'c', uri: '/c', upstream }, updatedAt: 2 },
    { kind: 'policy', id: 'from-file', item: { default: 'deny' }, updatedAt: 3 },
    { kind: 'policy', id: 'extra', item: { rules: [], attach: { global: true, routes: ['a', 'c'], doors: ['llm'], consumers: ['x'] } }, updatedAt: 4 },
  ]);
  const eff = applyOverlay(file, overlay);
  assert.deepEqual(eff.routes.map((r) => [r.id, r.uri]), [['a', '/a/*'], ['b', '/bee'], ['c', '/c']]);
  assert.equal(eff.policy.policies['from-file']!.default, 'deny');
  assert.deepEqual(eff.policy.policies['from-file']!.rules, [], 'a replaced policy is the overlay item, not a merge');
  assert.deepEqual(eff.policy.attach.global, ['from-file', 'extra']);
  assert.deepEqual(eff.policy.attach.routes, { a: ['from-file', 'extra'], c: ['extra'] });
  assert.deepEqual(eff.policy.attach.doors, { llm: ['extra'] });
  assert.deepEqual(attachmentsOf(eff, 'from-file'), { global: true, doors: [], routes: ['a'], consumers: [] }, 'route b was replaced without its policies');
  assert.deepEqual(attachmentsOf(file, 'from-file').routes, ['a', 'b']);
  assert.equal(applyOverlay(file, parseOverlay([])), file, 'an empty overlay is the file config itself');
  assert.equal(file.routes.length, 2, 'the file config is not mutated');
});

test('overlay: problems name the config path of the item', () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.problems;
    }
    assert.fail('expected a ConfigError');
  };
  assert.deepEqual(err(() => parseOverlayRoute('x', { id: 'x', uri: 'nope', upstream })), ['routes["x"].uri: an absolute path, optionally ending in * for a prefix (`/api/*`)']);
  assert.match(err(() => parseOverlayRoute('x', { id: 'y', uri: '/y', upstream }))[0]!, /routes\["x"\]\.id: "y" does not match/);
  assert.deepEqual(err(() => parseOverlayPolicy('p', { rules: [{ id: 'r' }], attach: { doors: ['ftp'] } })).map((p) => p.split(':')[0]), ['policy.policies.p.rules[0].when', 'policy.policies.p.attach.doors[0]']);
  assert.match(err(() => parseOverlayPolicy('bad name', {}))[0]!, /letters, digits/);
  const stored = err(() => parseOverlay([{ kind: 'policy', id: 'p', item: { acl: 3 }, updatedAt: 0 }]));
  assert.match(stored[0]!, /^policy\.policies\.p\.acl: .*warden config overlay drop policy p/);
});
