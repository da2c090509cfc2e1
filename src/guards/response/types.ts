/** What the response guard reports and what it asks of its caller. */

/** A tool call as the model asked for it, complete. */
export interface ToolCall {
  id: string;
  name: string;
  /** The parsed input object. */
  input: Record<string, unknown>;
  /** Index of the content block in the message. */
  index: number;
}

/**
 * The judge's answer. A deny carries a reason for the model (no argument values: they may
 * hold secrets); `message` replaces the whole text of the substitute block when set.
 */
export type ToolVerdict = { allow: true; rule?: string } | { allow: false; reason: string; rule?: string; message?: string };

export type ToolJudge = (call: ToolCall) => ToolVerdict | Promise<ToolVerdict>;

/**
 * What happened, for the audit record. Never carries text of the answer: findings are
 * `detector:rule` ids, tool calls their id and name.
 */
export type GuardEvent =
  | { type: 'finding'; id: string; action: 'redact' | 'log'; index: number }
  | { type: 'tool'; decision: 'allow' | 'deny'; id: string; name: string; index: number; reason?: string; rule?: string }
  /** A tool_use block the stream ended in the middle of: never released. */
  | { type: 'tool'; decision: 'drop'; id: string; name: string; index: number; reason: string }
  | { type: 'stop_reason'; from: string; to: string }
  /** An SSE event larger than the guard holds, swallowed. */
  | { type: 'oversized_event'; bytes: number };

export const DEFAULT_TOOL_MESSAGE = 'Warden blocked the tool call {tool}: {reason}. Do not retry it; tell the user what you wanted to do instead.';

/** Tool input held per block at most; beyond it the call is refused. */
export const DEFAULT_MAX_TOOL_BYTES = 1 << 20;
