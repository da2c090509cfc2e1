/** What the streamed and the JSON guard share about judging one tool_use block. */
import { DEFAULT_TOOL_MESSAGE, type ToolCall, type ToolJudge, type ToolVerdict } from './types.js';

export const REASON_MALFORMED = 'malformed tool input';
export const REASON_TOO_LARGE = 'tool input too large';
/** Said to the model when the judge failed; the failure itself may quote the input. */
export const REASON_JUDGE_FAILED = 'the tool-use policy could not decide';

export type Denial = { allow: false; reason: string; rule?: string; message?: string };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The input a client would act on. Streams send `input: {}` at the block start and the
 * JSON in fragments; input in both places is ambiguous, so refused.
 */
export function toolInput(startInput: unknown, json: string): Record<string, unknown> | undefined {
  const fromStart = startInput === undefined ? {} : startInput;
  if (!isPlainObject(fromStart)) return undefined;
  if (json.trim() === '') return fromStart;
  if (Object.keys(fromStart).length > 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Anything but a well-formed verdict is a refusal. */
export function normalizeVerdict(v: unknown): ToolVerdict {
  if (isPlainObject(v) && v.allow === true) return { allow: true, rule: typeof v.rule === 'string' ? v.rule : undefined };
  if (isPlainObject(v) && v.allow === false) {
    return {
      allow: false,
      reason: typeof v.reason === 'string' && v.reason !== '' ? v.reason : 'denied by policy',
      rule: typeof v.rule === 'string' ? v.rule : undefined,
      message: typeof v.message === 'string' && v.message !== '' ? v.message : undefined,
    };
  }
  return { allow: false, reason: REASON_JUDGE_FAILED };
}

/**
 * Runs the judge and always settles with a verdict: synchronously when the judge answers
 * synchronously (so a stream need not wait a tick), else through the returned promise.
 * A judge that throws or rejects refuses, with a generic reason.
 */
export function runJudge(judge: ToolJudge, call: ToolCall): ToolVerdict | Promise<ToolVerdict> {
  let answer: ToolVerdict | Promise<ToolVerdict>;
  try {
    answer = judge(call);
  } catch {
    return { allow: false, reason: REASON_JUDGE_FAILED };
  }
  if (answer !== null && typeof (answer as Promise<ToolVerdict>)?.then === 'function') {
    return Promise.resolve(answer).then(normalizeVerdict, () => ({ allow: false, reason: REASON_JUDGE_FAILED }) as const);
  }
  return normalizeVerdict(answer);
}

/** The text that replaces a refused block: the template with {tool} and {reason} filled in. */
export function denialText(template: string | undefined, tool: string, verdict: Denial): string {
  if (verdict.message) return verdict.message;
  return (template ?? DEFAULT_TOOL_MESSAGE).replace(/\{(tool|reason)\}/g, (_, key: string) => (key === 'tool' ? tool : verdict.reason));
}
