/**
 * Compiles allow/ask/deny rule lists once, at config load: every pattern becomes a matcher
 * here so evaluation builds no pattern per call. A bad rule throws with its config path.
 */
import { WardenError } from '../../core/errors.js';
import { compileBashSpec, type UnitMatcher } from './bash-rule.js';
import { compilePathRule, type PathRule } from './path-rule.js';
import { checkToolGlob, coveredTools, EDIT_FAMILY, parseRuleText, PATH_TOOLS, READ_FAMILY, toolNameMatcher } from './rule-syntax.js';
import { polarityOf, type PermissionRules, type RuleList } from './types.js';
import { compileDomain, type DomainMatcher } from './web-domain.js';

interface Labeled {
  readonly list: RuleList;
  /** `"deny: Bash(rm -rf *)"`; in a named rule set `"defaults.deny: Bash(rm -rf *)"`. */
  readonly label: string;
}

export type ToolRule = Labeled &
  (
    | { kind: 'name'; test: (tool: string) => boolean }
    | { kind: 'path'; tools: ReadonlySet<string>; rule: PathRule }
    | { kind: 'domain'; test: DomainMatcher }
    | { kind: 'param'; test: (tool: string) => boolean; key: string; value: string[] }
  );

export type BashUnitRule = Labeled & { m: UnitMatcher };
export type PipelineRule = Labeled & { stages: UnitMatcher[] };
export type FileGuard = Labeled & { rule: PathRule };

export interface CompiledPermissions {
  readonly tools: Readonly<Record<RuleList, readonly ToolRule[]>>;
  readonly bash: Readonly<Record<RuleList, readonly BashUnitRule[]>>;
  readonly pipelines: readonly PipelineRule[];
  /** Read (deny/ask) rules applied to files Bash commands read; deny first. */
  readonly readGuards: readonly FileGuard[];
  /** Edit/Write (deny/ask) and Read deny rules applied to files Bash commands write; deny first. */
  readonly writeGuards: readonly FileGuard[];
  /** Edit allow rules: an output redirection outside the cwd needs one. */
  readonly writeAllows: readonly FileGuard[];
}

const LISTS: readonly RuleList[] = ['deny', 'ask', 'allow'];
const PARAM = /^([A-Za-z_][A-Za-z0-9_]*):([\s\S]*)$/;

interface Builder {
  tools: Record<RuleList, ToolRule[]>;
  bash: Record<RuleList, BashUnitRule[]>;
  pipelines: PipelineRule[];
  readGuards: FileGuard[];
  writeGuards: FileGuard[];
  writeAllows: FileGuard[];
}

function compileOne(b: Builder, list: RuleList, text: string, set: string | undefined): void {
  const { tool, spec } = parseRuleText(text);
  const label = `${set ? `${set}.` : ''}${list}: ${text.trim()}`;
  if (spec === null) {
    checkToolGlob(tool, list);
    const test = toolNameMatcher(tool);
    b.tools[list].push({ list, label, kind: 'name', test });
    if (test('Bash')) b.bash[list].push({ list, label, m: { kind: 'all' } });
    return;
  }
  if (tool.includes('*') && list === 'allow') checkToolGlob(tool, list);
  if (tool === 'Bash') {
    const s = compileBashSpec(spec, list);
    if (s.kind === 'unit') b.bash[list].push({ list, label, m: s.m });
    else b.pipelines.push({ list, label, stages: s.stages });
    return;
  }
  if (PATH_TOOLS.has(tool)) {
    const rule = compilePathRule(spec, polarityOf(list));
    // Claude Code: a Read deny rule also blocks Edit and Write on the same path.
    const tools = tool === 'Read' && list === 'deny' ? new Set([...READ_FAMILY, ...EDIT_FAMILY]) : coveredTools(tool);
    b.tools[list].push({ list, label, kind: 'path', tools, rule });
    if (list !== 'allow') {
      if (tool === 'Read') b.readGuards.push({ list, label, rule });
      if (EDIT_FAMILY.has(tool) || (tool === 'Read' && list === 'deny')) b.writeGuards.push({ list, label, rule });
    } else if (tool === 'Edit' || tool === 'Write') b.writeAllows.push({ list, label, rule });
    return;
  }
  if (tool === 'WebFetch') {
    b.tools[list].push({ list, label, kind: 'domain', test: compileDomain(spec) });
    return;
  }
  const test = toolNameMatcher(tool);
  const param = PARAM.exec(spec);
  if (param) {
    b.tools[list].push({ list, label, kind: 'param', test, key: param[1]!, value: param[2]!.split('*') });
    return;
  }
  if (tool === 'Agent' || tool === 'Task') {
    b.tools[list].push({ list, label, kind: 'param', test, key: 'subagent_type', value: spec.split('*') });
    return;
  }
  throw new Error(`\`${tool}\` takes no specifier of this form: write \`${tool}\` or \`${tool}(parameter:value)\``);
}

/**
 * Throws a WARDEN_E_CONFIG_INVALID error naming `${path}.${list}[${i}]` and what is wrong.
 * `set` names the rule set in every label (`defaults.deny: …`) so a merged set still says
 * which set decided.
 */
export function compilePermissionRules(rules: PermissionRules, path: string, set?: string): CompiledPermissions {
  const b: Builder = { tools: { deny: [], ask: [], allow: [] }, bash: { deny: [], ask: [], allow: [] }, pipelines: [], readGuards: [], writeGuards: [], writeAllows: [] };
  for (const list of LISTS) {
    const entries: unknown = (rules as Partial<PermissionRules> | undefined)?.[list] ?? [];
    if (!Array.isArray(entries)) throw new WardenError('WARDEN_E_CONFIG_INVALID', `${path}.${list}: must be a list of rule strings`);
    entries.forEach((text: unknown, i) => {
      const at = `${path}.${list}[${i}]`;
      if (typeof text !== 'string') throw new WardenError('WARDEN_E_CONFIG_INVALID', `${at}: a rule must be a string such as "Bash(npm run test *)"`);
      try {
        compileOne(b, list, text, set);
      } catch (e) {
        throw new WardenError('WARDEN_E_CONFIG_INVALID', `${at}: \`${text}\`: ${(e as Error).message}`);
      }
    });
  }
  return { tools: b.tools, bash: b.bash, pipelines: b.pipelines, readGuards: denyFirst(b.readGuards), writeGuards: denyFirst(b.writeGuards), writeAllows: b.writeAllows };
}

function denyFirst(g: readonly FileGuard[]): FileGuard[] {
  return [...g.filter((x) => x.list === 'deny'), ...g.filter((x) => x.list !== 'deny')];
}

/**
 * One rule set out of several: each part of a call then meets every set's rules together,
 * so deny beats ask beats allow across the sets as within one (a user's ask can no longer
 * hide the defaults' deny). Label prefixes keep saying which set a rule came from.
 */
export function mergePermissions(sets: readonly CompiledPermissions[]): CompiledPermissions {
  if (sets.length === 1) return sets[0]!;
  const lists = <T>(pick: (c: CompiledPermissions) => Readonly<Record<RuleList, readonly T[]>>): Record<RuleList, T[]> => ({
    deny: sets.flatMap((c) => pick(c).deny),
    ask: sets.flatMap((c) => pick(c).ask),
    allow: sets.flatMap((c) => pick(c).allow),
  });
  return {
    tools: lists((c) => c.tools),
    bash: lists((c) => c.bash),
    pipelines: sets.flatMap((c) => c.pipelines),
    readGuards: denyFirst(sets.flatMap((c) => c.readGuards)),
    writeGuards: denyFirst(sets.flatMap((c) => c.writeGuards)),
    writeAllows: sets.flatMap((c) => c.writeAllows),
  };
}
