import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../../../core/errors.js';
import type { Finding } from '../types.js';
import { AGENT_RULES } from './agent-rules.js';
import { Allowlist } from './allowlist.js';
import { CompiledRule } from './compiled-rule.js';
import { SecretEngine } from './engine.js';
import { anthropicOAuthToken, databaseUrl, jwt, wardenKey } from './generators.js';
import { allRuleData, createSecretDetector, listSecretRules, MAX_HOLD_BACK } from './index.js';
import { GITLEAKS_GLOBAL_ALLOWLIST } from './rules/gitleaks-global.js';
import { GITLEAKS_RULES } from './rules/gitleaks.js';
import { gitleaksRuleCases, repoRoot } from './test-support.js';

const detector = createSecretDetector();
const key = (f: Finding): string => `${f.rule}@${f.start}-${f.end}`;

/** Every rule run the slow, obvious way: the whole text, whenever a keyword occurs. */
function naiveDetector(): SecretEngine {
  const data = allRuleData();
  const rules = data.map((d) => new CompiledRule({ ...d, anchors: undefined, engine: undefined }));
  return new SecretEngine(rules, {
    globalAllowlist: Allowlist.global(GITLEAKS_GLOBAL_ALLOWLIST),
    minEntropy: (r) => r.data.entropy ?? 0,
  });
}

/** Source text from the installed packages, with secrets sprinkled in. */
function mixedCorpus(): string {
  const dir = join(repoRoot(), 'node_modules/undici/lib/dispatcher');
  const parts = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8'));
  const secrets = [wardenKey(), jwt(), anthropicOAuthToken(), databaseUrl('postgres').url, 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'];
  return parts.map((p, i) => `${p}\nconst secret${i} = "${secrets[i % secrets.length]}";\n`).join('\n');
}

test('anchored scanning finds exactly what a whole-text scan of every rule finds', () => {
  const naive = naiveDetector();
  const texts = [...gitleaksRuleCases().map((c) => c.text), mixedCorpus()];
  let total = 0;
  for (const text of texts) {
    const fast = detector.detect(text).map(key);
    const slow = naive.detect(text).map(key);
    assert.deepEqual(fast, slow, `differs on ${JSON.stringify(text.slice(0, 100))}`);
    total += fast.length;
  }
  assert.ok(total > 100, `the comparison saw only ${total} findings`);
});

test('findings are sorted, within the text, and the same on a second call', () => {
  const text = mixedCorpus();
  const first = detector.detect(text);
  assert.ok(first.length >= 5);
  for (let i = 0; i < first.length; i++) {
    const f = first[i]!;
    assert.ok(f.start >= 0 && f.end <= text.length && f.start < f.end);
    if (i > 0) assert.ok(first[i - 1]!.start <= f.start);
    assert.deepEqual(Object.keys(f).sort(), ['confidence', 'detector', 'end', 'rule', 'start']);
  }
  assert.deepEqual(detector.detect(text), first);
  assert.deepEqual(detector.detect(''), []);
});

test('offsets count UTF-16 code units', () => {
  const token = wardenKey();
  const text = `𝕳𝖊𝖑𝖑𝖔 — ключ: ${token}`;
  const [f] = detector.detect(text);
  assert.equal(text.slice(f!.start, f!.end), token);
});

test('disabledRules switches a rule off; unknown ids are refused', () => {
  const token = wardenKey();
  const off = createSecretDetector({ disabledRules: ['warden-virtual-key'] });
  assert.deepEqual(off.detect(token).filter((f) => f.rule === 'warden-virtual-key'), []);
  assert.equal(detector.detect(token).length, 1);
  assert.throws(() => createSecretDetector({ disabledRules: ['no-such-rule'] }), (e: unknown) => e instanceof WardenError && e.code === 'WARDEN_E_CONFIG_INVALID' && e.message.includes('no-such-rule'));
  assert.throws(() => createSecretDetector({ entropyOverride: { 'no-such-rule': 1 } }), WardenError);
});

test('entropyOverride replaces a rule minimum entropy', () => {
  const lowEntropy = 'aws_access_key_id = AKIAAAAAAAAAAAAAAAAA'; // the rule's entropy 3 drops it
  assert.deepEqual(detector.detect(lowEntropy).filter((f) => f.rule === 'aws-access-token'), []);
  const lenient = createSecretDetector({ entropyOverride: { 'aws-access-token': 0 } });
  assert.equal(lenient.detect(lowEntropy).filter((f) => f.rule === 'aws-access-token').length, 1);
});

test('a rule whose keyword is not part of its match needs the keyword somewhere in the text', () => {
  const pat = `pat${'Ab3De5Fg7Hj9Kl'}.${'0123456789abcdef'.repeat(4)}`;
  assert.deepEqual(detector.detect(`token ${pat}`).filter((f) => f.rule === 'airtable-personnal-access-token'), []);
  assert.equal(detector.detect(`# airtable\ntoken ${pat}`).filter((f) => f.rule === 'airtable-personnal-access-token').length, 1);
});

test('a generic finding gives way to a specific rule on the same secret', () => {
  const token = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
  const rules = detector.detect(`api_key = "${token}"`).map((f) => f.rule);
  assert.deepEqual(rules, ['github-pat']);
});

test('rule list and hold-back window', () => {
  const rules = listSecretRules();
  assert.ok(rules.length >= 225, `${rules.length} rules`);
  assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
  for (const id of ['generic-api-key', 'anthropic-oauth-token', 'warden-virtual-key', 'database-url-password', 'jwt', 'private-key']) {
    assert.ok(rules.some((r) => r.id === id), id);
  }
  assert.ok(rules.every((r) => r.description.length > 10));
  assert.equal(detector.id, 'secrets');
  // The longest bounded rule (pypi-upload-token); the unbounded ones report open matches instead.
  assert.equal(detector.maxMatchLength, 1020);
  assert.ok(detector.maxMatchLength < MAX_HOLD_BACK);
  const small = createSecretDetector({ disabledRules: rules.map((r) => r.id).filter((id) => id !== 'github-pat') });
  assert.equal(small.maxMatchLength, 40);
});

test('every allowlist regex compiles on re2js (they compile lazily at run time)', () => {
  const regexes = [...GITLEAKS_GLOBAL_ALLOWLIST.regexes, ...[...GITLEAKS_RULES, ...AGENT_RULES].flatMap((r) => (r.allowlists ?? []).flatMap((a) => a.regexes ?? []))];
  assert.ok(regexes.length > 30);
  for (const r of regexes) new Allowlist('secret', [r], []).allows({ secret: 'x', match: () => 'x', line: () => 'x' });
});
