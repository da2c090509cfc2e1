import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { policySchema } from './config.js';
import { compilePolicy } from './engine.js';

// Relative to the repository root, where the test runner runs (works from src/ and dist/).
const doc = readFileSync('docs/policy.md', 'utf8');

test('every YAML example in docs/policy.md validates and compiles', async () => {
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 5, `found ${blocks.length} yaml blocks`);
  for (const [i, text] of blocks.entries()) {
    const raw = parse(text) as { policy?: unknown };
    assert.ok(raw.policy, `block ${i} has a policy: section`);
    const parsed = policySchema.safeParse(raw.policy);
    assert.ok(parsed.success, `block ${i}: ${JSON.stringify(parsed.error?.issues)}`);
    const compiled = compilePolicy(parsed.data);
    await compiled.close();
  }
});
