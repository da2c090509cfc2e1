import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderExport } from './export.js';
import { parseConfig } from './load.js';
import { applyOverlay, parseOverlay } from './overlay.js';
import type { OverlayEntry } from '../store/types.js';

const FILE = `# the gateway of team A
routes:
  - id: a # first route
    uri: /a/*
    upstream: { nodes: { "backend:8080": 1 } }
  - id: b
    uri: /b
    upstream: { nodes: { "backend:8080": 1 } }
providers:
  anthropic: { type: anthropic, api_key: "\${env:WARDEN_EXPORT_UNIT_KEY}" }
models: [{ match: "*", provider: anthropic }]
policy:
  attach:
    global: [base]
  policies:
    base: { rules: [{ id: r, when: 'request.method == "TRACE"' }] }
`;

const overlay: OverlayEntry[] = [
  { kind: 'route', id: 'b', item: { id: 'b', uri: '/bee', upstream: { nodes: { 'other:1': 1 } } }, updatedAt: 0 },
  { kind: 'route', id: 'c', item: { id: 'c', uri: '/c', upstream: { nodes: { 'other:1': 1 } }, policies: ['extra'] }, updatedAt: 0 },
  { kind: 'policy', id: 'extra', item: { default: 'deny', attach: { global: true, consumers: ['bot'] } }, updatedAt: 0 },
  { kind: 'policy', id: 'base', item: { rules: [] }, updatedAt: 0 },
];

test('export: the file as written, the overlay merged as the gateway merges it, store consumers added', () => {
  process.env.WARDEN_EXPORT_UNIT_KEY = 'sk-ant-unit-test';
  try {
    const text = renderExport({ fileText: FILE, source: 'warden.yaml', overlay, consumers: [{ name: 'bot', groups: ['ci'], labels: {}, models: [] }], now: new Date(0) });
    assert.match(text, /^# Exported by `warden config export` on 1970-01-01T00:00:00.000Z from warden.yaml:/);
    assert.match(text, /# the gateway of team A/);
    assert.match(text, /- id: a # first route/, 'untouched entries keep their comments');
    assert.match(text, /api_key: "\$\{env:WARDEN_EXPORT_UNIT_KEY\}"/, 'references are not resolved');
    assert.ok(!text.includes('sk-ant-unit-test'));

    const live = applyOverlay(parseConfig(FILE, 'warden.yaml', '/'), parseOverlay(overlay));
    const back = parseConfig(text, 'export', '/');
    assert.deepEqual(back.routes, live.routes);
    assert.deepEqual(back.policy, live.policy);
    assert.deepEqual(back.consumers.map((c) => [c.name, c.groups]), [['bot', ['ci']]]);
  } finally {
    delete process.env.WARDEN_EXPORT_UNIT_KEY;
  }
});

test('export: an empty or comment-only file becomes a mapping', () => {
  const text = renderExport({ fileText: '# nothing yet\n', source: 'w.yaml', overlay: overlay.slice(1, 3), consumers: [] });
  assert.match(text, /# nothing yet/);
  const back = parseConfig(text, 'export', '/');
  assert.deepEqual(back.routes.map((r) => r.id), ['c']);
  assert.deepEqual(back.policy.attach.global, ['extra']);
});
