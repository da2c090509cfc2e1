/**
 * The tool-use judgement every door shares (the LLM door's answers today; the MCP door and
 * the Claude Code PreToolUse hook reuse it): the policy engine (CEL rules, ACLs and
 * permission rules over `tool`) and the tool-use guard's rule sets all see the call, and
 * deny beats ask beats allow across all of them. The decision's `rule` names the source
 * and rule that decided: `rule:global.x`, `permission:p.deny:…`, `tool_use.defaults.deny:…`.
 */
import type { Decision } from '../../policy/decision.js';
import { permissionToolName, type DecisionDocument } from '../../policy/document.js';
import { evaluate, type CompiledPolicy } from '../../policy/engine.js';
import { judgeWithToolRules, type ToolRuleVerdict, type ToolUseRules } from './rules.js';

type ToolDoc = DecisionDocument & { tool: NonNullable<DecisionDocument['tool']> };

/** When no rule of any source spoke: the request carrying the call was already allowed. */
const NOTHING_SAID: Decision = Object.freeze({ outcome: 'allow', rule: 'tool_use.none' }) as Decision;

function explicit(d: Decision): Decision | null {
  // The engine's default (`default:allow`/`default:deny`) is about the request, not this call.
  return d.rule.startsWith('default') ? null : d;
}

function fromVerdict(v: ToolRuleVerdict): Decision | null {
  if (v.outcome === 'none') return null;
  return v.outcome === 'allow' ? { outcome: 'allow', rule: v.rule } : { outcome: v.outcome, rule: v.rule, reason: v.reason };
}

/** Deny beats ask beats allow; at one level the policy engine is named before the tool-use rules. */
export function combineToolDecisions(engine: Decision | null, rules: Decision | null): Decision {
  for (const level of ['deny', 'ask'] as const) {
    if (engine?.outcome === level) return engine;
    if (rules?.outcome === level) return rules;
  }
  return rules ?? engine ?? NOTHING_SAID;
}

function conclude(engine: Decision, rules: ToolUseRules | undefined, doc: ToolDoc): Decision {
  const t = doc.tool;
  const v = rules ? fromVerdict(judgeWithToolRules(rules, { tool: permissionToolName(t), input: t.arguments }, t.cwd ? { cwd: t.cwd } : undefined)) : null;
  return combineToolDecisions(explicit(engine), v);
}

/** Synchronous unless the policy asks OPA. Never throws on any tool input. */
export function judgeToolUse(policy: CompiledPolicy, rules: ToolUseRules | undefined, doc: ToolDoc): Decision | Promise<Decision> {
  const pending = evaluate(policy, doc, { route: doc.route?.id });
  return pending instanceof Promise ? pending.then((d) => conclude(d, rules, doc)) : conclude(pending, rules, doc);
}
