import type { RedactorHit, TextRedactor } from './redactor.js';

export const REASON_UNMASKABLE = 'a secret in the tool input could not be masked';

/**
 * Secrets in a tool call's input, masked as in text: the input is scanned as the JSON a
 * client receives (a PEM inside a string reads as it does in a key file), and the masked
 * JSON parsed back. `input: undefined`: masking broke the JSON (a mask style that keeps
 * quote characters); the caller refuses the call rather than pass the secret.
 */
export function redactToolInput(input: Record<string, unknown>, redactor: TextRedactor): { input: Record<string, unknown> | undefined; hits: RedactorHit[]; changed: boolean } {
  const json = JSON.stringify(input);
  const { text, hits } = redactor.redact(json);
  if (text === json) return { input, hits, changed: false };
  try {
    const parsed: unknown = JSON.parse(text);
    const ok = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    return { input: ok ? (parsed as Record<string, unknown>) : undefined, hits, changed: true };
  } catch {
    return { input: undefined, hits, changed: true };
  }
}
