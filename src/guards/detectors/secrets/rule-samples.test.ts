import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allowlist } from './allowlist.js';
import { CompiledRule } from './compiled-rule.js';
import { SecretEngine } from './engine.js';
import { allRuleData, createSecretDetector } from './index.js';
import { GITLEAKS_GLOBAL_ALLOWLIST } from './rules/gitleaks-global.js';
import { sampler } from './regex-sample.js';

// Each rule must be able to fire through the real engine (prefilter, anchors, entropy,
// allowlists): random strings drawn from its own pattern, with its keywords in the text.
const TRIES = 60;
const detector = createSecretDetector();
const data = allRuleData();

/** Rules random samples cannot satisfy, and why; each is covered by hand-written cases. */
const NOT_SAMPLED: Record<string, string> = {
  'kubernetes-secret-yaml': 'refined with a lookahead and backreference (agent-rules.test.ts)',
  'anthropic-oauth-token': 'lookahead (agent-rules.test.ts)',
  'anthropic-oauth-refresh-token': 'lookahead (agent-rules.test.ts)',
  'warden-virtual-key': 'needs a valid CRC (agent-rules.test.ts)',
  jwt: 'needs a JSON header (agent-rules.test.ts)',
  'database-url-password': 'random passwords hit the placeholder list rarely; covered in agent-rules.test.ts',
  'http-bearer-token': 'lookahead (credential-file-rules.test.ts)',
  'pgpass-password': 'lookahead (credential-file-rules.test.ts)',
  'aws-secret-access-key': 'lookahead (credential-file-rules.test.ts)',
  'docker-config-auth': 'must decode to user:password (credential-file-rules.test.ts)',
  'kubernetes-secret-json': 'must decode to text (credential-file-rules.test.ts)',
};

// The same rules run the obvious way: whole text, whenever a keyword occurs.
const naive = new SecretEngine(
  data.map((d) => new CompiledRule({ ...d, anchors: undefined, anchorOffset: undefined, engine: undefined })),
  { globalAllowlist: Allowlist.global(GITLEAKS_GLOBAL_ALLOWLIST), minEntropy: (r) => r.data.entropy ?? 0 },
);
const keys = (fs: { rule: string; start: number; end: number }[]): string[] => fs.map((f) => `${f.rule}@${f.start}-${f.end}`);

test('every rule fires on samples of its own pattern, as a whole-text scan would', () => {
  const failed: string[] = [];
  for (const rule of data) {
    if (NOT_SAMPLED[rule.id]) continue;
    const next = sampler(rule.regex, rule.flags);
    assert.ok(next, `${rule.id}: pattern outside the sampler's subset`);
    const context = `${rule.keywords.join(' ')}\n`;
    let fired = false;
    for (let i = 0; i < TRIES && !fired; i++) {
      const text: string = context + next();
      const found = detector.detect(text);
      fired = found.some((f) => f.rule === rule.id && f.start >= context.length);
      assert.deepEqual(keys(found), keys(naive.detect(text)), `${rule.id}: anchored and whole-text scans differ on ${JSON.stringify(text)}`);
    }
    if (!fired) failed.push(rule.id);
  }
  assert.deepEqual(failed, []);
});
