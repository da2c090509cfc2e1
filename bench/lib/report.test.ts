import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keptSections } from './report.js';

test('a run keeps the hand-written sections after "How to run"', () => {
  const page = '# Benchmarks\n\n## This run\n\nx\n\n## How to run\n\nrun it\n\n## Event-loop stall\n\nkept 1\n\n## Agent session\n\nkept 2\n';
  assert.equal(keptSections(page), '## Event-loop stall\n\nkept 1\n\n## Agent session\n\nkept 2\n');
  assert.equal(keptSections('# Benchmarks\n\n## How to run\n\nonly\n'), '');
  assert.equal(keptSections(''), '');
});

test('the committed page has hand-written sections to keep', () => {
  const page = readFileSync(fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../docs/benchmarks.md' : '../../docs/benchmarks.md', import.meta.url)), 'utf8');
  const kept = keptSections(page);
  assert.match(kept, /^## /, 'the kept part starts with a section');
  for (const heading of ['## Event-loop stall while a huge hostile body is scanned', '## PostgreSQL door', '## MCP door']) assert.ok(kept.includes(`\n${heading}`) || kept.startsWith(heading), heading);
});
