/**
 * Judges one tool call the model asked for with the shared tool-use judgement (the policy
 * engine and the tool-use guard's rule sets together, deny beats ask beats allow across
 * them). An "ask" cannot wait mid-answer: it records a pending approval and refuses this
 * time; once approved, the identical call passes.
 */
import { resolveAsk } from '../../approvals/gate.js';
import type { ApprovalStore } from '../../approvals/types.js';
import { judgeToolUse } from '../../guards/tool-use/judge.js';
import type { ToolUseRules } from '../../guards/tool-use/rules.js';
import { pendingApprovalNotice } from '../../approvals/notice.js';
import type { Decision } from '../../policy/decision.js';
import type { DecisionDocument } from '../../policy/document.js';
import type { CompiledPolicy } from '../../policy/engine.js';

export interface ToolCallJudged {
  tool: string;
  outcome: 'allow' | 'deny' | 'ask';
  rule: string;
  reason?: string;
  approval?: string;
}

export interface ToolJudgement {
  allow: boolean;
  /** The text that replaces a refused tool_use block. */
  message: string;
  record: ToolCallJudged;
}

export interface ToolJudgeDeps {
  policy: CompiledPolicy;
  /** The tool-use guard's rules; undefined when it is off (the policy engine still judges). */
  rules: ToolUseRules | undefined;
  /** Text that replaces a refused tool_use block ({tool} and {reason} filled in). */
  message: string;
  approvals: ApprovalStore | undefined;
  approvalTtl: { pendingTtlMs: number; grantTtlMs: number; reviewUrl?: string };
  /** The request's decision document; `tool` is filled per call. */
  doc: DecisionDocument;
  /** The agent's working directory, when the request tells it (Claude Code's system prompt does). */
  cwd: string | undefined;
}

const WORKING_DIR = /(?:^|\n)\s*(?:Primary working directory|Working directory): *([^\n]{1,1024})/;

/** Claude Code states its working directory in the system prompt; path rules such as `Read(./.env)` need it. */
export function agentWorkingDirectory(system: unknown): string | undefined {
  const texts: string[] = [];
  if (typeof system === 'string') texts.push(system);
  else if (Array.isArray(system)) for (const b of system) if (b && typeof (b as { text?: unknown }).text === 'string') texts.push((b as { text: string }).text);
  for (const t of texts) {
    const m = WORKING_DIR.exec(t);
    if (m) {
      const dir = m[1]!.trim();
      if (dir.startsWith('/')) return dir;
    }
  }
  return undefined;
}

function fill(template: string, tool: string, reason: string): string {
  return template.replaceAll('{tool}', tool).replaceAll('{reason}', reason);
}

export async function judgeToolCall(deps: ToolJudgeDeps, call: { name: string; input: unknown }): Promise<ToolJudgement> {
  const args = call.input !== null && typeof call.input === 'object' && !Array.isArray(call.input) ? (call.input as Record<string, unknown>) : {};
  const doc = { ...deps.doc, tool: { server: null, name: call.name, arguments: args, ...(deps.cwd ? { cwd: deps.cwd } : {}) } };

  const judged = judgeToolUse(deps.policy, deps.rules, doc);
  let d: Decision = judged instanceof Promise ? await judged : judged;
  if (d.outcome === 'ask' && deps.approvals) d = await resolveAsk(deps.approvals, d, doc, deps.approvalTtl);

  const record: ToolCallJudged = { tool: call.name, outcome: d.outcome === 'redact' ? 'allow' : d.outcome, rule: d.rule };
  if (d.reason) record.reason = d.reason;
  if (d.approval) record.approval = d.approval;
  if (d.outcome === 'allow' || d.outcome === 'redact') return { allow: true, message: '', record };
  let reason = d.reason ?? 'refused by policy';
  if (d.outcome === 'ask') {
    reason = d.approval
      ? `${reason}; it needs a human approval first (${pendingApprovalNotice(d.approval, d.reviewUrl)}; once approved, the same call is allowed)`
      : `${reason}; it needs a human approval, and no approval store is configured`;
  }
  return { allow: false, message: fill(deps.message, call.name, reason), record };
}
