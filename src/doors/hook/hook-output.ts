/**
 * The answer a Claude Code PreToolUse command hook prints: `hookSpecificOutput` with
 * `permissionDecision` allow|deny|ask and its reason (docs: CLAUDE-CODE.md, "Hooks").
 * Kept free of imports: the lean hook process (src/cli/hook/) loads it too.
 */
export type HookDecision = 'allow' | 'deny' | 'ask';

export interface HookOutput {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: HookDecision;
    permissionDecisionReason?: string;
  };
}

export function hookOutput(decision: HookDecision, reason: string | undefined): HookOutput {
  const out: HookOutput = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: decision } };
  if (reason) out.hookSpecificOutput.permissionDecisionReason = reason;
  return out;
}
