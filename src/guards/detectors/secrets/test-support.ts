import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs from src/ (tsx) or dist/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

export interface RuleCase { line: number; rule: string; expect: 'secret' | 'none'; text: string }

/** gitleaks' own examples per rule (MIT licence, Copyright (c) 2019 Zachary Rice). */
export function gitleaksRuleCases(): RuleCase[] {
  const file = join(repoRoot(), 'src/guards/detectors/secrets/testdata/gitleaks-rule-cases.jsonl');
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l, i) => ({ l, line: i + 1 }))
    .filter(({ l }) => l.trim() !== '')
    .map(({ l, line }) => ({ line, ...(JSON.parse(l) as Omit<RuleCase, 'line'>) }));
}

/** Text dense with token-shaped strings: the costliest kind to scan. */
export function hostileText(chars: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let seed = 7;
  const rnd = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[(seed = (seed * 1103515245 + 12345) % 2147483648) % 62];
    return s;
  };
  const lines: string[] = [];
  let size = 0;
  while (size < chars) {
    const line = `api_key = "${rnd(32)}" token=ghp_${rnd(36)} secret: ${rnd(40)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}
