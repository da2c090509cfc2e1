/**
 * Runaway-loop signal: a fingerprint of the tool call(s) in the latest assistant turn of
 * a Messages API request. An agent stuck in a loop sends the same fingerprint turn after
 * turn; a `loop` rule counts repeats per session. Tool-use ids differ per call and are left out.
 */
import { createHash } from 'node:crypto';

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stable(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Hex fingerprint of the last assistant turn's tool_use blocks (name + input), or undefined when it has none. */
export function toolCallFingerprint(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (!m || m.role !== 'assistant') continue;
    if (!Array.isArray(m.content)) return undefined;
    const calls = m.content
      .filter((b): b is { type: 'tool_use'; name?: unknown; input?: unknown } => !!b && (b as { type?: unknown }).type === 'tool_use')
      .map((b) => stable([b.name, b.input]));
    if (calls.length === 0) return undefined;
    return createHash('sha256').update(calls.join('\n')).digest('hex').slice(0, 32);
  }
  return undefined;
}
