/**
 * Claude-Code-style permission rules (`allow` / `ask` / `deny` lists of `Tool` or
 * `Tool(specifier)`) and the shell splitter behind `Bash(...)` rules. Rule syntax and
 * semantics: docs/permission-rules.md.
 */
import type { CompiledPermissions } from './compile.js';
import { evaluateBash } from './evaluate-bash.js';
import { evaluateTool } from './evaluate-tools.js';
import { normaliseDir } from './path-resolve.js';
import type { PermissionContext, PermissionResult, ToolCall } from './types.js';

export type { PermissionContext, PermissionOutcome, PermissionResult, PermissionRules, RuleList, ToolCall } from './types.js';
export type { CompiledPermissions } from './compile.js';
export { compilePermissionRules, mergePermissions } from './compile.js';
export { DEFAULT_AGENT_RULES } from './defaults.js';

const EMPTY: PermissionContext = Object.freeze({});
let lastCtx: { cwd: string | undefined; home: string | undefined; norm: PermissionContext } = { cwd: undefined, home: undefined, norm: EMPTY };

/** The context with normalised directories; the last one is remembered (agents repeat theirs). */
function normalised(ctx: PermissionContext | undefined): PermissionContext {
  if (!ctx || (ctx.cwd === undefined && ctx.home === undefined)) return EMPTY;
  if (ctx.cwd === lastCtx.cwd && ctx.home === lastCtx.home) return lastCtx.norm;
  const norm: PermissionContext = {};
  const cwd = normaliseDir(ctx.cwd);
  const home = normaliseDir(ctx.home);
  if (cwd) norm.cwd = cwd;
  if (home) norm.home = home;
  lastCtx = { cwd: ctx.cwd, home: ctx.home, norm: Object.freeze(norm) };
  return lastCtx.norm;
}

/** Deny beats ask beats allow; `none` when no rule matched. Never throws on any input. */
export function evaluatePermissions(c: CompiledPermissions, call: ToolCall, ctx?: PermissionContext): PermissionResult {
  const norm = normalised(ctx);
  const input = call.input !== null && typeof call.input === 'object' ? call.input : {};
  if (call.tool === 'Bash') return evaluateBash(c, input, norm);
  return evaluateTool(c, call.tool, input, norm, norm);
}

/** The rule text of a result: the matcher names its rule "<list>: <text>" (builtin floors: "ask: <builtin:id>"). */
export function matchedRuleText(r: PermissionResult): string {
  return ruleSource(r.rule ?? '').text;
}

/**
 * A label split into the set it came from (`null` for an unnamed set and for builtin
 * floors), its list and its rule text: `"defaults.deny: Bash(sudo *)"` →
 * `{ set: 'defaults', list: 'deny', text: 'Bash(sudo *)' }`.
 */
export function ruleSource(label: string): { set: string | null; list: string; text: string } {
  const sep = label.indexOf(': ');
  if (sep < 0) return { set: null, list: '', text: label || '*' };
  const head = label.slice(0, sep);
  const dot = head.lastIndexOf('.');
  return { set: dot < 0 ? null : head.slice(0, dot), list: head.slice(dot + 1), text: label.slice(sep + 2) };
}
