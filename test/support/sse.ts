/**
 * Scripted replies of the test upstream and their rendering as the Anthropic Messages API
 * renders them: a JSON message, or a Server-Sent-Events stream. Rendering is a pure
 * function of (reply, model), so the same script always yields the same bytes and a test
 * can compare what passed through a proxy with what the upstream sent.
 */
import { createHash } from 'node:crypto';

export type ContentSpec =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'thinking'; thinking: string; signature: string };

export interface StreamControl {
  /** Wait this long before each SSE event (and before a non-streamed answer). */
  delayMs?: number;
  /** Write this many events, then stay silent forever with the socket open. */
  stallAfterEvents?: number;
  /** With stallAfterEvents: a `ping` goes out just before the silence, so a reader knows everything before it was sent. */
  pingBeforeStall?: boolean;
  /** Write this many events, then destroy the socket (a connection reset mid-stream). */
  destroyAfterEvents?: number;
  /** Write `events` events, then an `event: error` with this error, then end. */
  errorAfterEvents?: { events: number; type: string; message: string };
  /** Size in characters of each text / thinking / tool-input delta fragment (default 8). */
  chunkChars?: number;
}

export interface Usage { input_tokens: number; output_tokens: number }

export interface MessageReply {
  kind: 'message';
  id?: string;
  content: ContentSpec[];
  stopReason: string;
  usage?: Partial<Usage>;
  stream: StreamControl;
  headers: Record<string, string>;
}
export interface ErrorReply { kind: 'error'; status: number; errorType: string; message: string; headers: Record<string, string> }
export interface RawReply { kind: 'raw'; status: number; headers: Record<string, string>; body: string | Buffer }
export type Reply = MessageReply | ErrorReply | RawReply;

export interface ReplyOptions extends StreamControl {
  /** A thinking block (with its signature) placed before the answer. */
  thinking?: { thinking: string; signature: string };
  usage?: Partial<Usage>;
  /** Message id; default derived from the content so it is stable. */
  id?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

function messageReply(content: ContentSpec[], stopReason: string, opts: ReplyOptions): MessageReply {
  const { thinking, usage, id, headers, ...stream } = opts;
  const blocks: ContentSpec[] = thinking ? [{ type: 'thinking', ...thinking }, ...content] : content;
  return { kind: 'message', id, content: blocks, stopReason, usage, stream, headers: headers ?? {} };
}

export function textReply(text: string, opts: ReplyOptions = {}): MessageReply {
  return messageReply([{ type: 'text', text }], 'end_turn', opts);
}

/** A `tool_use` block (after an optional lead-in text), stop_reason `tool_use`. */
export function toolUseReply(tool: { name: string; input: unknown; id?: string; text?: string }, opts: ReplyOptions = {}): MessageReply {
  const id = tool.id ?? `toolu_${digest([tool.name, tool.input]).slice(0, 24)}`;
  const block: ContentSpec = { type: 'tool_use', id, name: tool.name, input: tool.input };
  return messageReply(tool.text ? [{ type: 'text', text: tool.text }, block] : [block], 'tool_use', opts);
}

/** Any content blocks with any stop reason. */
export function contentReply(content: ContentSpec[], stopReason = 'end_turn', opts: ReplyOptions = {}): MessageReply {
  return messageReply(content, stopReason, opts);
}

export function errorReply(status: number, type: string, message: string, headers: Record<string, string> = {}): ErrorReply {
  return { kind: 'error', status, errorType: type, message, headers };
}

export function rawReply(status: number, headers: Record<string, string>, body: string | Buffer): RawReply {
  return { kind: 'raw', status, headers, body };
}

export function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value) ?? '').digest('hex');
}

/** Splits by code points so a fragment never cuts a surrogate pair. */
function fragments(text: string, size: number): string[] {
  const points = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out.length > 0 ? out : [''];
}

function contentChars(content: ContentSpec[]): number {
  let n = 0;
  for (const b of content) n += b.type === 'text' ? b.text.length : b.type === 'thinking' ? b.thinking.length : JSON.stringify(b.input).length;
  return n;
}

export function resolvedUsage(reply: MessageReply): Usage {
  return {
    input_tokens: reply.usage?.input_tokens ?? 100,
    output_tokens: reply.usage?.output_tokens ?? Math.max(1, Math.ceil(contentChars(reply.content) / 4)),
  };
}

export function messageId(reply: MessageReply): string {
  return reply.id ?? `msg_${digest([reply.content, reply.stopReason]).slice(0, 24)}`;
}

/** The non-streamed answer: the JSON message. */
export function renderMessage(reply: MessageReply, model: string): Record<string, unknown> {
  const usage = resolvedUsage(reply);
  return {
    id: messageId(reply), type: 'message', role: 'assistant', model, content: reply.content,
    stop_reason: reply.stopReason, stop_sequence: null,
    usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: usage.output_tokens },
  };
}

export interface SseEvent { event: string; data: Record<string, unknown> }

function blockEvents(block: ContentSpec, index: number, size: number): SseEvent[] {
  const delta = (d: Record<string, unknown>): SseEvent => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: d } });
  const start = (b: Record<string, unknown>): SseEvent => ({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: b } });
  const out: SseEvent[] = [];
  if (block.type === 'text') {
    out.push(start({ type: 'text', text: '' }));
    for (const f of fragments(block.text, size)) out.push(delta({ type: 'text_delta', text: f }));
  } else if (block.type === 'thinking') {
    out.push(start({ type: 'thinking', thinking: '', signature: '' }));
    for (const f of fragments(block.thinking, size)) out.push(delta({ type: 'thinking_delta', thinking: f }));
    out.push(delta({ type: 'signature_delta', signature: block.signature }));
  } else {
    out.push(start({ type: 'tool_use', id: block.id, name: block.name, input: {} }));
    out.push(delta({ type: 'input_json_delta', partial_json: '' }));
    for (const f of fragments(JSON.stringify(block.input), size)) out.push(delta({ type: 'input_json_delta', partial_json: f }));
  }
  out.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  return out;
}

/** The streamed answer as the API orders it; a `ping` follows the first block start and separates blocks. */
export function renderEvents(reply: MessageReply, model: string): SseEvent[] {
  const usage = resolvedUsage(reply);
  const size = reply.stream.chunkChars ?? 8;
  const ping: SseEvent = { event: 'ping', data: { type: 'ping' } };
  const message = { ...renderMessage(reply, model), content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } };
  const out: SseEvent[] = [{ event: 'message_start', data: { type: 'message_start', message } }];
  reply.content.forEach((block, i) => {
    const events = blockEvents(block, i, size);
    if (i > 0) out.push(ping);
    out.push(events[0]!);
    if (i === 0) out.push(ping);
    out.push(...events.slice(1));
  });
  out.push({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: reply.stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } } });
  out.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return out;
}

export function encodeEvent(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export interface ParsedEvent { event: string; data: any; raw: string }

/** Parses an SSE body into events (data lines joined by newlines, JSON-decoded when possible). */
export function collectSse(bodyText: string): ParsedEvent[] {
  const out: ParsedEvent[] = [];
  for (const raw of bodyText.replace(/\r\n?/g, '\n').split('\n\n')) {
    if (raw.trim() === '') continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of raw.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    const text = data.join('\n');
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* keep the text: unknown events pass as they are */ }
    out.push({ event, data: parsed, raw });
  }
  return out;
}

/** Rebuilds the final message from stream events: texts joined, tool inputs parsed, signatures kept. */
export function assembleMessage(events: ParsedEvent[]): { id?: string; model?: string; content: any[]; stop_reason?: string; usage: Record<string, unknown> } {
  const result: { id?: string; model?: string; content: any[]; stop_reason?: string; usage: Record<string, unknown> } = { content: [], usage: {} };
  const partialJson = new Map<number, string>();
  for (const { data } of events) {
    if (data?.type === 'message_start') Object.assign(result, { id: data.message.id, model: data.message.model, usage: { ...data.message.usage } });
    else if (data?.type === 'content_block_start') result.content[data.index] = { ...data.content_block };
    else if (data?.type === 'content_block_delta') {
      const block = result.content[data.index];
      const d = data.delta;
      if (d.type === 'text_delta') block.text += d.text;
      else if (d.type === 'thinking_delta') block.thinking += d.thinking;
      else if (d.type === 'signature_delta') block.signature = (block.signature ?? '') + d.signature;
      else if (d.type === 'input_json_delta') partialJson.set(data.index, (partialJson.get(data.index) ?? '') + d.partial_json);
    } else if (data?.type === 'content_block_stop' && partialJson.has(data.index)) {
      const text = partialJson.get(data.index)!;
      result.content[data.index].input = text === '' ? {} : JSON.parse(text);
    } else if (data?.type === 'message_delta') {
      result.stop_reason = data.delta.stop_reason;
      Object.assign(result.usage, data.usage);
    }
  }
  return result;
}
