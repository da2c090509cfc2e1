/**
 * Ports gitleaks' default rules (config/gitleaks.toml) to the TypeScript data modules in
 * ../rules/. Run once per gitleaks upgrade and commit the output:
 *
 *   npx tsx src/guards/detectors/secrets/port/convert-gitleaks.ts /path/to/gitleaks.toml <commit>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTomlSubset, type TomlTable } from './toml-subset.js';
import { convertRule, convertRegex, type ConvertedRule } from './convert-rule.js';
import { LICENSE_HEADER, renderRule, rawString } from './render.js';

const [tomlPath, commit = 'unknown'] = process.argv.slice(2);
if (!tomlPath) {
  console.error('usage: convert-gitleaks.ts <gitleaks.toml> [commit]');
  process.exit(2);
}
const config = parseTomlSubset(readFileSync(tomlPath, 'utf8'));
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'rules');
const header = LICENSE_HEADER.replace('{commit}', commit);

const rules: ConvertedRule[] = [];
const skipped: string[] = [];
for (const raw of config['rules'] as TomlTable[]) {
  const r = convertRule(raw);
  if (r) rules.push(r);
  else skipped.push(String(raw['id']));
}

// The generic rule's stop-word list is long: it gets a module of its own.
const stopwordOwners = rules.filter((r) => r.allowlists.some((a) => (a.stopwords?.length ?? 0) > 50));
if (stopwordOwners.length !== 1) throw new Error('expected exactly one rule with a long stop-word list');
const longStopwords = stopwordOwners[0]!.allowlists.find((a) => (a.stopwords?.length ?? 0) > 50)!.stopwords!;
writeFileSync(join(outDir, 'gitleaks-stopwords.ts'), `${header}
/** Stop-words of gitleaks' generic-api-key rule: a secret containing one is not reported. */
export const GENERIC_STOPWORDS: readonly string[] = (
${packWords(longStopwords)}
).split(' ');
`);

const global = config['allowlist'] as TomlTable;
const globalRegexes = (global['regexes'] as string[]).map(convertRegex);
writeFileSync(join(outDir, 'gitleaks-global.ts'), `${header}
import type { GlobalAllowlistData } from '../rule-types.js';

/** gitleaks' global allowlist (its path entries are not ported: traffic has no paths). */
export const GITLEAKS_GLOBAL_ALLOWLIST: GlobalAllowlistData = {
  regexes: [
${globalRegexes.map((r) => `    { source: ${rawString(r.source)}, flags: '${r.flags}' },`).join('\n')}
  ],
  stopwords: ${JSON.stringify(global['stopwords'])},
};
`);

const chunks: string[][] = [[]];
let lines = 0;
for (const rule of rules) {
  const text = renderRule(rule, longStopwords);
  const n = text.split('\n').length;
  if (lines + n > 200) { chunks.push([]); lines = 0; }
  chunks[chunks.length - 1]!.push(text);
  lines += n;
}
chunks.forEach((chunk, i) => {
  const usesStopwords = chunk.some((t) => t.includes('GENERIC_STOPWORDS'));
  writeFileSync(join(outDir, `gitleaks-rules-${i + 1}.ts`), `${header}
import type { SecretRuleData } from '../rule-types.js';
${usesStopwords ? "import { GENERIC_STOPWORDS } from './gitleaks-stopwords.js';\n" : ''}
export const RULES: readonly SecretRuleData[] = [
${chunk.join('\n')}
];
`);
});
writeFileSync(join(outDir, 'gitleaks.ts'), `${header}
import type { SecretRuleData } from '../rule-types.js';
${chunks.map((_, i) => `import { RULES as R${i + 1} } from './gitleaks-rules-${i + 1}.js';`).join('\n')}

/** gitleaks' default rules (${rules.length}), ported. Not ported: ${skipped.join(', ') || 'none'} (path-only). */
export const GITLEAKS_RULES: readonly SecretRuleData[] = [${chunks.map((_, i) => `...R${i + 1}`).join(', ')}];
`);
console.log(`${rules.length} rules in ${chunks.length} modules; skipped: ${skipped.join(', ')}`);

function packWords(words: readonly string[]): string {
  if (words.some((w) => w.includes(' ') || w.includes('"') || w.includes('\\'))) throw new Error('stop-word needs escaping');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line.length + w.length > 90) { lines.push(line); line = ''; }
    line += (line ? ' ' : '') + w;
  }
  lines.push(line);
  return lines.map((l, i) => `  "${i > 0 ? ' ' : ''}${l}"`).join(' +\n');
}
