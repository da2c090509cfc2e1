/**
 * Warden's rules in the syntax Claude Code's own `permissions` settings understand, for
 * `warden connect claude-code`: generated from DEFAULT_AGENT_RULES (the tool-use guard's
 * defaults), never a second list. Plain rules (`Bash(sudo *)`, `Read(**\/.env)`) are the same
 * in both. Warden's `argv:` rules have no Claude Code spelling; each becomes the prefix rules
 * of its common spellings (`rm -rf *`, `rm -fr *`, `rm -r -f *`, …). Those that cannot be
 * spelt as prefixes (pipelines, here-documents, globs inside arguments) are left to the
 * PreToolUse hook, which applies the full rule set on every call.
 */
import { DEFAULT_AGENT_RULES } from './defaults.js';
import type { PermissionRules } from './types.js';

const ARGV = /^Bash\(argv:\s*(.*)\)$/s;
/** A rule that expands to more spellings than this is left to the hook alone. */
const MAX_SPELLINGS = 24;

function product(lists: string[][]): string[][] {
  return lists.reduce<string[][]>((acc, alts) => acc.flatMap((p) => alts.map((a) => [...p, a])), [[]]);
}

/** `-r -f` → `-rf` and `-fr` as well: the clustered spellings people type. */
function clustered(words: string[]): string[][] {
  const shorts = words.filter((w) => /^-[A-Za-z]$/.test(w));
  if (shorts.length !== 2 || words.length !== shorts.length + 1) return [];
  const [a, b] = [shorts[0]!.slice(1), shorts[1]!.slice(1)];
  return [[words[0]!, `-${a}${b}`], [words[0]!, `-${b}${a}`]];
}

/** The prefix spellings of one `argv:` rule, or null when it has none Claude Code can match. */
export function argvSpellings(pattern: string): string[] | null {
  const tokens = pattern.trim().split(/\s+/);
  if (tokens.some((t) => t === '|' || t.includes('<<'))) return null;
  const [name, ...rest] = tokens;
  if (!name || rest.some((t) => t.includes('*'))) return null;
  const names = name.split('|');
  if (names.some((n) => n.includes('*') && !/^[^*]+\*$/.test(n))) return null;
  const out = new Set<string>();
  for (const n of names) {
    if (n.endsWith('*')) {
      if (!rest.length) out.add(`Bash(${n})`);
      continue;
    }
    for (const words of [...product([[n], ...rest.map((t) => t.split('|'))])]) {
      for (const w of [words, ...clustered(words)]) {
        const text = w.join(' ');
        out.add(`Bash(${text})`);
        out.add(`Bash(${text} *)`);
      }
    }
  }
  return out.size && out.size <= MAX_SPELLINGS * 2 ? [...out] : null;
}

function translate(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const rule of list) {
    const m = ARGV.exec(rule);
    const spelt = m ? argvSpellings(m[1]!) : [rule];
    for (const s of spelt ?? []) if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** `permissions.deny` and `permissions.ask` for Claude Code's settings, from Warden's default agent rules. */
export function claudeCodePermissions(rules: PermissionRules = DEFAULT_AGENT_RULES): { deny: string[]; ask: string[] } {
  return { deny: translate(rules.deny ?? []), ask: translate(rules.ask ?? []) };
}
