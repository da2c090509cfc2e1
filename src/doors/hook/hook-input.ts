/**
 * The PreToolUse hook document Claude Code writes on a hook's stdin, checked field by field:
 * only what the judgement reads is kept, and a malformed document is refused naming the
 * field, never judged as if it were an empty call.
 */
import { WardenError } from '../../core/errors.js';

export interface HookToolCall {
  toolName: string;
  toolInput: Record<string, unknown>;
  /** Absolute working directory of the agent, for path rules such as `Read(./.env)`. */
  cwd: string | undefined;
  sessionId: string | undefined;
}

const TOOL_NAME = /^[A-Za-z0-9_.:-]{1,256}$/;
const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const bad = (message: string) => new WardenError('WARDEN_E_BAD_REQUEST', `PreToolUse hook input: ${message}`);

export function parseHookInput(json: unknown): HookToolCall {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('must be a JSON object');
  const o = json as Record<string, unknown>;
  if (o.hook_event_name !== undefined && o.hook_event_name !== 'PreToolUse') throw bad(`hook_event_name must be "PreToolUse" (got ${JSON.stringify(String(o.hook_event_name).slice(0, 40))})`);
  if (typeof o.tool_name !== 'string' || !TOOL_NAME.test(o.tool_name)) throw bad('tool_name: required, a tool name such as "Bash" or "mcp__server__tool"');
  const input = o.tool_input ?? {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw bad('tool_input: must be a JSON object');
  if (o.cwd !== undefined && (typeof o.cwd !== 'string' || !o.cwd.startsWith('/') || o.cwd.length > 4096)) throw bad('cwd: must be an absolute path');
  const session = typeof o.session_id === 'string' && SESSION_ID.test(o.session_id) ? o.session_id : undefined;
  return { toolName: o.tool_name, toolInput: input as Record<string, unknown>, cwd: o.cwd as string | undefined, sessionId: session };
}
