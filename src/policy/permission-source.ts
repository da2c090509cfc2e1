/**
 * Permission-rule source: Claude-Code-style `allow | ask | deny` rules over tool calls,
 * matched by ./permissions (deny beats ask beats allow inside one rule set). Only requests
 * that carry a tool call (MCP, hook, the tool-use guard) have something to match.
 */
import type { Decision } from './decision.js';
import { permissionToolName, type DecisionDocument } from './document.js';
import { compilePermissionRules, evaluatePermissions, matchedRuleText, type CompiledPermissions, type PermissionRules } from './permissions/index.js';

export interface CompiledPermissionSource {
  readonly policy: string;
  readonly rules: CompiledPermissions;
}

export function compilePermissionSource(rules: PermissionRules, policy: string, path: string, problems: string[]): CompiledPermissionSource | null {
  try {
    return { policy, rules: compilePermissionRules(rules, path) };
  } catch (e) {
    const msg = (e as Error).message;
    problems.push(msg.includes(path) ? msg : `${path}: ${msg}`);
    return null;
  }
}

export function evaluatePermissionSource(src: CompiledPermissionSource, doc: DecisionDocument): Decision | null {
  const tool = doc.tool;
  if (!tool) return null;
  const ctx = tool.cwd === undefined ? undefined : { cwd: tool.cwd };
  const r = evaluatePermissions(src.rules, { tool: permissionToolName(tool), input: tool.arguments }, ctx);
  if (r.outcome === 'none') return null;
  const text = matchedRuleText(r);
  const rule = `permission:${src.policy}.${r.outcome}:${text}`;
  if (r.outcome === 'allow') return { outcome: 'allow', rule };
  // The matcher's reason names commands and rules, never argument values (they may hold secrets).
  const reason = r.reason ?? (r.outcome === 'deny' ? `denied by permission rule ${text}` : `permission rule ${text} asks for approval`);
  return r.outcome === 'deny' ? { outcome: 'deny', rule, reason, status: 403 } : { outcome: 'ask', rule, reason };
}
