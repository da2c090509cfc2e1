import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../types.js';
import { combineFindings } from './combine.js';
import { prng } from '../../../core/prng.js';

/** The rule as it was written before the sweep: every generic against every specific. */
function pairwise(findings: Finding[], genericIds: ReadonlySet<string>): Finding[] {
  if (findings.length === 0) return findings;
  let kept = findings;
  if (findings.some((f) => genericIds.has(f.rule))) {
    const specific = findings.filter((f) => !genericIds.has(f.rule));
    kept = findings.filter((f) => !genericIds.has(f.rule) || !specific.some((s) => s.start < f.end && f.start < s.end));
  }
  return kept.sort((a, b) => a.start - b.start || a.end - b.end || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}


const GENERIC = new Set(['generic-api-key', 'generic-2']);
const RULES = ['generic-api-key', 'generic-2', 'github-pat', 'aws-access-token', 'jwt'];

function randomFindings(rand: () => number): Finding[] {
  const n = Math.floor(rand() * 40);
  // Small text lengths make overlaps, touching ends and empty spans common.
  const span = 1 + Math.floor(rand() * 60);
  const out: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const start = Math.floor(rand() * span);
    const end = start + Math.floor(rand() * (rand() < 0.2 ? 1 : 12));
    const rule = RULES[Math.floor(rand() * RULES.length)]!;
    out.push({ detector: 'secrets', rule, start, end, confidence: 0.9 });
  }
  return out;
}

test('the sweep keeps exactly what the pairwise rule kept, on 5,000 random finding sets', () => {
  for (let seed = 1; seed <= 5000; seed++) {
    const rand = prng(seed);
    const findings = randomFindings(rand);
    const expected = pairwise(findings.map((f) => ({ ...f })), GENERIC);
    const actual = combineFindings(findings.map((f) => ({ ...f })), GENERIC);
    assert.deepEqual(actual, expected, `seed ${seed}`);
  }
});

test('edge cases: touching spans do not overlap, an empty specific inside a generic does, no specifics keeps every generic', () => {
  const f = (rule: string, start: number, end: number): Finding => ({ detector: 'secrets', rule, start, end, confidence: 1 });
  const cases: [string, Finding[], Finding[]][] = [
    ['touching', [f('generic-api-key', 0, 5), f('jwt', 5, 9)], [f('generic-api-key', 0, 5), f('jwt', 5, 9)]],
    ['overlap by one', [f('generic-api-key', 0, 6), f('jwt', 5, 9)], [f('jwt', 5, 9)]],
    ['empty specific inside', [f('generic-api-key', 0, 6), f('jwt', 3, 3)], [f('jwt', 3, 3)]],
    ['only generics', [f('generic-2', 4, 8), f('generic-api-key', 0, 6)], [f('generic-api-key', 0, 6), f('generic-2', 4, 8)]],
    ['specific far left with a long end', [f('jwt', 0, 100), f('aws-access-token', 10, 12), f('generic-api-key', 50, 60)], [f('jwt', 0, 100), f('aws-access-token', 10, 12)]],
    ['none', [], []],
  ];
  for (const [name, input, expected] of cases) {
    assert.deepEqual(combineFindings(input, GENERIC), expected, name);
    assert.deepEqual(pairwise(input.slice(), GENERIC), expected, `${name} (reference)`);
  }
});
