import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { Allowlist } from './allowlist.js';
import { CompiledRule } from './compiled-rule.js';
import { SecretEngine } from './engine.js';
import { allRuleData, createSecretDetector } from './index.js';
import { GITLEAKS_GLOBAL_ALLOWLIST } from './rules/gitleaks-global.js';

// The built-in rules run on V8's backtracking engine, so each one is exercised here on
// long adversarial inputs. Nothing is timed: a rule with catastrophic (or quadratic)
// backtracking makes these tests overrun their timeout instead of finishing in seconds.

const SIZE = 100_000;
const TIMEOUT = 120_000;
const data = allRuleData();
const policy = { globalAllowlist: Allowlist.global(GITLEAKS_GLOBAL_ALLOWLIST), minEntropy: (r: CompiledRule) => r.data.entropy ?? 0 };

function fill(unit: string, size = SIZE): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function random(alphabet: string, size = SIZE): string {
  let s = '';
  for (let i = 0; i < size; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const RUNS: readonly [string, string][] = [
  ['a', fill('a')],
  ['=', fill('=')],
  ['digits', random('0123456789')],
  ['base64', random(B64)],
  ['base64url', random(B64.slice(0, 62) + '-_')],
  ['hex', random('0123456789abcdef')],
  ['spaces and newlines', random(' \n\t')],
  ['word soup', random('abcdefghijklmnopqrstuvwxyz_.-:= "\'\n')],
];

test('every rule regex scans 100 KB adversarial runs from every position', { timeout: TIMEOUT }, () => {
  // A global scan tries the pattern at every offset: a superset of the engine's anchored tries.
  for (const rule of data.filter((r) => r.engine !== 're2')) {
    const re = new RegExp(rule.regex, rule.flags + 'g');
    for (const [, text] of RUNS) {
      re.lastIndex = 0;
      while (re.exec(text) !== null) if (re.lastIndex === 0) break;
    }
  }
});

test('the detector finishes on adversarial runs, with and without anchors in front', { timeout: TIMEOUT }, () => {
  const detector = createSecretDetector();
  for (const [name, run] of RUNS) {
    for (const prefix of ['', 'api_key = ', 'password: "', 'curl -H "Authorization: Bearer ', '-----BEGIN RSA PRIVATE KEY-----\n', 'kind: Secret\ndata:\n  a: ', 'eyJhbGciOiJIUzI1NiJ9.ey']) {
      const found = detector.detect(prefix + run);
      assert.ok(Array.isArray(found), `${name} after ${JSON.stringify(prefix)}`);
    }
  }
});

// Every rule alone, on texts packed with its own anchors and keywords: this is what made
// `curl …` quadratic on V8 before those rules moved to re2js.
const FILLERS = [' ', '-', '=', 'a', '\n', ':', '"', '_', '0', '/'];
const CHUNK = 8;
for (let c = 0; c < data.length; c += Math.ceil(data.length / CHUNK)) {
  const slice = data.slice(c, c + Math.ceil(data.length / CHUNK));
  test(`rules ${slice[0]!.id} … ${slice[slice.length - 1]!.id} on anchor-packed texts`, { timeout: TIMEOUT }, () => {
    for (const rule of slice) {
      const engine = new SecretEngine([new CompiledRule(rule)], policy);
      const literals = [...new Set([...(rule.anchors ?? []), ...rule.keywords])].slice(0, 4);
      for (const lit of literals) {
        for (const f of FILLERS) {
          engine.detect(fill(lit + f));
          engine.detect(lit + fill(f));
          engine.detect(fill(lit + f.repeat(20)));
        }
      }
    }
  });
}
