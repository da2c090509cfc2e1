import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretDetector, listSecretRules } from './index.js';
import { gitleaksRuleCases, type RuleCase } from './test-support.js';

// Every literal example gitleaks keeps beside its rules: a `secret` line must be flagged
// under the named rule, a `none` line must not be (another rule may flag it).
const detector = createSecretDetector();
const cases = gitleaksRuleCases();
const byRule = new Map<string, RuleCase[]>();
for (const c of cases) byRule.set(c.rule, [...(byRule.get(c.rule) ?? []), c]);

test('the fixture file has both kinds of case and only known rules', () => {
  assert.ok(cases.filter((c) => c.expect === 'secret').length >= 90);
  assert.ok(cases.filter((c) => c.expect === 'none').length >= 288);
  const known = new Set(listSecretRules().map((r) => r.id));
  assert.deepEqual([...byRule.keys()].filter((id) => !known.has(id)), []);
});

for (const [rule, ruleCases] of byRule) {
  test(`gitleaks cases: ${rule}`, async (t) => {
    for (const c of ruleCases) {
      await t.test(`line ${c.line} (${c.expect})`, () => {
        const hits = detector.detect(c.text).filter((f) => f.rule === rule);
        if (c.expect === 'secret') assert.ok(hits.length > 0, `line ${c.line}: ${rule} did not flag ${JSON.stringify(c.text.slice(0, 120))}`);
        else assert.equal(hits.length, 0, `line ${c.line}: ${rule} flagged a non-secret at ${JSON.stringify(hits)}`);
      });
    }
  });
}
