import type { TextRedactor } from './redactor.js';
import { MAX_HELD_SECRET } from './text-holdback.js';
import { REASON_UNMASKABLE, redactToolInput } from './tool-input.js';
import { REASON_MALFORMED, REASON_TOO_LARGE, denialText, isPlainObject, runJudge } from './tool-judge.js';
import { DEFAULT_MAX_TOOL_BYTES, type GuardEvent, type ToolJudge, type ToolVerdict } from './types.js';

export interface JsonGuardOptions {
  redactor?: TextRedactor | null;
  judgeTool?: ToolJudge;
  /** Template of a refused block's text ({tool}, {reason}). */
  toolMessage?: string;
  maxToolBytes?: number;
}

export interface JsonGuardResult {
  /** The original bytes when nothing changed. */
  body: Buffer;
  changed: boolean;
  events: GuardEvent[];
}

/**
 * The response guard of a non-streamed Messages answer: text blocks redacted, each
 * tool_use block judged (one at a time, in order) and a refused one replaced by a text
 * block, stop_reason kept consistent. Bodies that are not a message pass unchanged.
 */
export async function guardJsonResponse(body: Buffer, opts: JsonGuardOptions): Promise<JsonGuardResult> {
  const events: GuardEvent[] = [];
  const unchanged = { body, changed: false, events };
  let msg: unknown;
  try {
    msg = JSON.parse(body.toString('utf8'));
  } catch {
    return unchanged;
  }
  if (!isPlainObject(msg) || msg.type !== 'message' || !Array.isArray(msg.content)) return unchanged;

  const content: unknown[] = msg.content;
  const maxToolBytes = opts.maxToolBytes ?? DEFAULT_MAX_TOOL_BYTES;
  let changed = false;
  let allowed = 0;
  let refused = 0;
  // The text blocks read as one text: a secret split across two is still found.
  let previous = '';
  for (let index = 0; index < content.length; index++) {
    const block = content[index];
    if (!isPlainObject(block)) continue;
    if (opts.redactor && block.type === 'text' && typeof block.text === 'string') {
      const { text, hits } = opts.redactor.redact(block.text, previous.slice(-MAX_HELD_SECRET));
      previous = block.text;
      for (const h of hits) events.push({ type: 'finding', id: h.id, action: h.redact ? 'redact' : 'log', index });
      if (text !== block.text) {
        content[index] = { ...block, text };
        changed = true;
      }
    } else if ((opts.judgeTool || opts.redactor) && block.type === 'tool_use') {
      const id = typeof block.id === 'string' ? block.id : '';
      const name = typeof block.name === 'string' ? block.name : '';
      let input = isPlainObject(block.input) ? block.input : undefined;
      let verdict: ToolVerdict | undefined;
      if (input && opts.redactor) {
        // A secret in the input leaves only masked; the judge decides on what leaves.
        const r = redactToolInput(input, opts.redactor);
        for (const h of r.hits) events.push({ type: 'finding', id: h.id, action: h.redact ? 'redact' : 'log', index });
        if (!r.input) verdict = { allow: false, reason: REASON_UNMASKABLE };
        else if (r.changed) {
          input = r.input;
          content[index] = { ...block, input };
          changed = true;
        }
      }
      if (verdict) {
        // refused: the masked input would not parse
      } else if (!id || !name || !input) verdict = { allow: false, reason: REASON_MALFORMED };
      else if (Buffer.byteLength(JSON.stringify(input)) > maxToolBytes) verdict = { allow: false, reason: REASON_TOO_LARGE };
      else verdict = opts.judgeTool ? await runJudge(opts.judgeTool, { id, name, input, index }) : { allow: true };
      if (verdict.allow) {
        allowed++;
        // Only scanned, not judged: nothing to record about the call itself.
        if (opts.judgeTool) events.push({ type: 'tool', decision: 'allow', id, name, index, rule: verdict.rule });
      } else {
        refused++;
        events.push({ type: 'tool', decision: 'deny', id, name, index, reason: verdict.reason, rule: verdict.rule });
        content[index] = { type: 'text', text: denialText(opts.toolMessage, name || 'tool_use', verdict) };
        changed = true;
      }
    }
  }
  if (msg.stop_reason === 'tool_use' && refused > 0 && allowed === 0) {
    msg.stop_reason = 'end_turn';
    events.push({ type: 'stop_reason', from: 'tool_use', to: 'end_turn' });
    changed = true;
  }
  return changed ? { body: Buffer.from(JSON.stringify(msg)), changed, events } : unchanged;
}
