/**
 * The tool-use guard's own rules: the user's `guards.tool_use.permissions` and Warden's
 * default agent rules, merged into one set. Every part of a call meets both sets' rules
 * together: deny beats ask beats allow across them, so a user's allow or ask can never
 * hide a default deny (turn the defaults off with `defaults: false` to replace them).
 */
import { ConfigError } from '../../config/load.js';
import {
  compilePermissionRules,
  DEFAULT_AGENT_RULES,
  evaluatePermissions,
  mergePermissions,
  ruleSource,
  type CompiledPermissions,
  type PermissionContext,
  type PermissionResult,
  type ToolCall,
} from '../../policy/permissions/index.js';
import type { GuardsConfig } from '../config.js';

export interface ToolUseRules {
  /** The user's rules and the defaults as one set; null when neither is configured. */
  readonly rules: CompiledPermissions | null;
  /** `{tool}` and `{reason}` are filled in. */
  readonly message: string;
}

export interface ToolRuleVerdict {
  outcome: 'allow' | 'ask' | 'deny' | 'none';
  /** `tool_use.user.deny:Bash(rm -rf*)`, `tool_use.defaults.deny:…`, `tool_use.builtin.ask:<builtin:…>` */
  rule: string;
  reason: string;
}

let compiledDefaults: CompiledPermissions | undefined;

/** Compiles `guards.tool_use`; undefined when the guard is off. Throws ConfigError naming the rule's path. */
export function compileToolUseRules(cfg: GuardsConfig): ToolUseRules | undefined {
  const t = cfg.tool_use;
  if (!t?.enabled) return undefined;
  const sets: CompiledPermissions[] = [];
  try {
    if (t.permissions) sets.push(compilePermissionRules(t.permissions, 'guards.tool_use.permissions', 'user'));
  } catch (e) {
    throw new ConfigError('guards.tool_use.permissions', [(e as Error).message]);
  }
  if (t.defaults) sets.push((compiledDefaults ??= compilePermissionRules(DEFAULT_AGENT_RULES, 'builtin:default_agent_rules', 'defaults')));
  return { rules: sets.length ? mergePermissions(sets) : null, message: t.message };
}

/** `defaults.deny: Bash(sudo *)` → `tool_use.defaults.deny:Bash(sudo *)`; builtin floors name the set `builtin`. */
function ruleId(label: string): string {
  const s = ruleSource(label);
  return `tool_use.${s.set ?? 'builtin'}.${s.list || 'ask'}:${s.text}`;
}

function verdictOf(r: PermissionResult): ToolRuleVerdict {
  if (r.outcome === 'none') return { outcome: 'none', rule: 'tool_use.none', reason: 'no tool-use rule matched' };
  const labels = r.allowedBy ?? [r.rule ?? ''];
  const rule = labels.map(ruleId).join(', ');
  const text = ruleSource(labels[0]!).text;
  const reason = r.reason ?? (r.outcome === 'deny' ? `denied by rule ${text}` : r.outcome === 'ask' ? `rule ${text} asks for approval` : `allowed by rule ${text}`);
  return { outcome: r.outcome, rule, reason };
}

/** Never throws: the permission matcher treats any input shape as data. */
export function judgeWithToolRules(rules: ToolUseRules, call: ToolCall, ctx: PermissionContext | undefined): ToolRuleVerdict {
  if (!rules.rules) return verdictOf({ outcome: 'none' });
  return verdictOf(evaluatePermissions(rules.rules, call, ctx));
}
