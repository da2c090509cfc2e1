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
