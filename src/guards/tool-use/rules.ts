/**
 * The tool-use guard's own rules: the user's `guards.tool_use.permissions` first, then
 * Warden's default agent rules. The user's set overrides the defaults — a user rule that
 * matches decides, so `allow: [Bash(ssh deploy@ci *)]` lets through what the defaults deny.
 */
import { ConfigError } from '../../config/load.js';
import { compilePermissionRules, DEFAULT_AGENT_RULES, evaluatePermissions, matchedRuleText, type CompiledPermissions, type PermissionContext, type ToolCall } from '../../policy/permissions/index.js';
import type { GuardsConfig } from '../config.js';

export interface ToolUseRules {
  readonly user: CompiledPermissions | null;
  readonly defaults: CompiledPermissions | null;
  /** `{tool}` and `{reason}` are filled in. */
  readonly message: string;
}

export interface ToolRuleVerdict {
  outcome: 'allow' | 'ask' | 'deny' | 'none';
  /** `tool_use.user.deny:Bash(rm -rf*)`, `tool_use.defaults.deny:…` */
  rule: string;
  reason: string;
}

let compiledDefaults: CompiledPermissions | undefined;

/** Compiles `guards.tool_use`; undefined when the guard is off. Throws ConfigError naming the rule's path. */
export function compileToolUseRules(cfg: GuardsConfig): ToolUseRules | undefined {
  const t = cfg.tool_use;
  if (!t?.enabled) return undefined;
  let user: CompiledPermissions | null = null;
  try {
    if (t.permissions) user = compilePermissionRules(t.permissions, 'guards.tool_use.permissions');
  } catch (e) {
    throw new ConfigError('guards.tool_use.permissions', [(e as Error).message]);
  }
  compiledDefaults ??= compilePermissionRules(DEFAULT_AGENT_RULES, 'builtin:default_agent_rules');
  return { user, defaults: t.defaults ? compiledDefaults : null, message: t.message };
}

function from(set: 'user' | 'defaults', r: ReturnType<typeof evaluatePermissions>): ToolRuleVerdict {
  const text = matchedRuleText(r);
  const reason = r.reason ?? (r.outcome === 'deny' ? `denied by rule ${text}` : r.outcome === 'ask' ? `rule ${text} asks for approval` : `allowed by rule ${text}`);
  return { outcome: r.outcome, rule: `tool_use.${set}.${r.outcome}:${text}`, reason };
}

/** Never throws: the permission matcher treats any input shape as data. */
export function judgeWithToolRules(rules: ToolUseRules, call: ToolCall, ctx: PermissionContext | undefined): ToolRuleVerdict {
  if (rules.user) {
    const r = evaluatePermissions(rules.user, call, ctx);
    if (r.outcome !== 'none') return from('user', r);
  }
  if (rules.defaults) {
    const r = evaluatePermissions(rules.defaults, call, ctx);
    if (r.outcome !== 'none') return from('defaults', r);
  }
  return { outcome: 'none', rule: 'tool_use.none', reason: 'no tool-use rule matched' };
}
