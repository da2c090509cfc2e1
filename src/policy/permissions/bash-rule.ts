/**
 * Compiles the specifier of a `Bash(...)` rule into a unit matcher or, for rules across a
 * pipe, a pipeline matcher: `Bash(curl * | sh *)`, `Bash(argv: curl|wget | sh|bash)`.
 * A pipeline rule matches when a command matching one stage feeds (through pipes, `$( )`,
 * `<( )` or here-strings, any number of hops) a command matching the next stage. Pipeline
 * and `argv:` rules are deny/ask only: they match loosely on purpose.
 */
import { argvFacts, argvMatches, compileArgvStages, type ArgvPattern } from './argv-pattern.js';
import type { Unit } from './shell/units.js';
import { compileTextPattern, matchesEverything, matchText, splitPattern, type TextPattern } from './text-pattern.js';
import type { RuleList } from './types.js';

export type UnitMatcher = { kind: 'all' } | { kind: 'text'; pat: TextPattern } | { kind: 'argv'; pat: ArgvPattern };

export type BashSpec = { kind: 'unit'; m: UnitMatcher } | { kind: 'pipeline'; stages: UnitMatcher[] };

export function compileBashSpec(spec: string, list: RuleList): BashSpec {
  if (/^command:/.test(spec)) throw new Error('write `Bash(rm *)`, not `Bash(command:rm *)` (Claude Code ignores that form)');
  const argv = /^argv:\s*/.exec(spec);
  if (argv) {
    if (list === 'allow') throw new Error('`argv:` rules match loosely (any extra flags); use them in deny or ask only');
    const stages = compileArgvStages(spec.slice(argv[0].length)).map((pat): UnitMatcher => ({ kind: 'argv', pat }));
    return stages.length === 1 ? { kind: 'unit', m: stages[0]! } : { kind: 'pipeline', stages };
  }
  // Legacy prefix form: `npm run test:*` is `npm run test *` (only at the end).
  const text = spec.endsWith(':*') ? `${spec.slice(0, -2)} *` : spec;
  const stages = splitPattern(text).map((words): UnitMatcher => {
    if (words.length === 0) throw new Error('empty command in the pattern');
    const pat = compileTextPattern(words);
    return matchesEverything(pat) ? { kind: 'all' } : { kind: 'text', pat };
  });
  if (stages.length === 1) return { kind: 'unit', m: stages[0]! };
  if (list === 'allow') throw new Error('a rule across a pipe (` | `) can only deny or ask; allow each command on its own');
  return { kind: 'pipeline', stages };
}

export function unitMatches(m: UnitMatcher, unit: Unit, forAllow: boolean): boolean {
  if (m.kind === 'all') return true;
  if (m.kind === 'text') {
    const texts = forAllow ? unit.allowTexts : unit.matchTexts;
    for (const t of texts) if (matchText(m.pat, t)) return true;
    return false;
  }
  if (forAllow) return false;
  return argvMatches(m.pat, unit, (unit.facts ??= argvFacts(unit)));
}
