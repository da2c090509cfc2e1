import { CATALOGUE } from './errors.js';

/** The catalogue table of docs/errors.md, generated from the code so the two cannot drift. */
export function renderErrorTable(): string {
  const rows = Object.entries(CATALOGUE).map(([code, e]) => `| \`${code}\` | ${e.status} | \`${e.anthropic}\` | ${e.retry ? 'yes' : 'no (`x-should-retry: false`)'} | ${e.summary} |`);
  return ['| code | HTTP | Anthropic type | retry | meaning and what to change |', '|---|---|---|---|---|', ...rows].join('\n');
}
