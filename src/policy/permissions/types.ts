/** Public contract of the permission-rule matcher, shared with the policy engine. */

export interface PermissionRules {
  allow: string[];
  ask: string[];
  deny: string[];
}

export type RuleList = 'deny' | 'ask' | 'allow';
export type PermissionOutcome = 'allow' | 'ask' | 'deny' | 'none';

export interface ToolCall {
  tool: string;
  input: Record<string, unknown>;
}

export interface PermissionContext {
  /** The agent's working directory: anchors `./x`, `/x` and relative input paths. */
  cwd?: string;
  /** The agent's home directory: anchors `~/x`. */
  home?: string;
}

export interface PermissionResult {
  outcome: PermissionOutcome;
  /** `"<list>: <rule text>"`, e.g. `"deny: Bash(rm -rf *)"`; builtin floors read `"ask: <builtin:…>"`. */
  rule?: string;
  /** Why, naming commands and rules but never argument values (they may hold secrets). */
  reason?: string;
  /** For an allow: the label of every rule that allowed a part (a compound command may need several). */
  allowedBy?: readonly string[];
}

/** `deny`/`ask` rules match wide when a fact is unknown; `allow` rules match narrow. */
export type Polarity = 'wide' | 'narrow';

export function polarityOf(list: RuleList): Polarity {
  return list === 'allow' ? 'narrow' : 'wide';
}
