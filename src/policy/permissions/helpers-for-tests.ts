/** Shared by the permission-rule tests: compile a rule set and judge one call. */
import { compilePermissionRules, evaluatePermissions, type PermissionContext, type PermissionResult, type PermissionRules } from './index.js';

export const CTX: PermissionContext = { cwd: '/repo', home: '/home/u' };

export function rules(r: Partial<PermissionRules>): PermissionRules {
  return { allow: r.allow ?? [], ask: r.ask ?? [], deny: r.deny ?? [] };
}

export function judge(r: Partial<PermissionRules>, tool: string, input: Record<string, unknown>, ctx: PermissionContext | undefined = CTX): PermissionResult {
  return evaluatePermissions(compilePermissionRules(rules(r), 'permissions'), { tool, input }, ctx);
}

export function bash(r: Partial<PermissionRules>, command: string, ctx: PermissionContext | undefined = CTX): PermissionResult {
  return judge(r, 'Bash', { command }, ctx);
}
