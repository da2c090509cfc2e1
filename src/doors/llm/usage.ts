import { StringDecoder } from 'node:string_decoder';
import type { Usage } from '../../core/exchange.js';

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

interface ApiUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

function mergeUsage(u: Usage, a: ApiUsage | undefined): void {
  if (!a) return;
  if (typeof a.input_tokens === 'number') u.inputTokens = a.input_tokens;
  if (typeof a.output_tokens === 'number') u.outputTokens = a.output_tokens;
  if (typeof a.cache_read_input_tokens === 'number') u.cacheReadTokens = a.cache_read_input_tokens;
  if (typeof a.cache_creation_input_tokens === 'number') u.cacheWriteTokens = a.cache_creation_input_tokens;
}

/**
 * Reads usage and requested tool names from an SSE stream as it passes by, without
 * holding the stream: only the three small event types that carry them are parsed.
 */
export class SseUsageScanner {
  readonly usage = emptyUsage();
  readonly tools: string[] = [];
  private decoder = new StringDecoder('utf8');
  private pending = '';
  private static readonly MAX_PENDING = 1 << 20;

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    let idx: number;
    while ((idx = this.pending.indexOf('\n\n')) !== -1) {
      const event = this.pending.slice(0, idx);
      this.pending = this.pending.slice(idx + 2);
      this.onEvent(event);
    }
    // A single event larger than this is a content delta we never need to read.
    if (this.pending.length > SseUsageScanner.MAX_PENDING) this.pending = '';
  }

  private onEvent(event: string): void {
    if (!event.startsWith('event: message_') && !event.startsWith('event: content_block_start')) return;
    const dataAt = event.indexOf('\ndata:');
    if (dataAt === -1) return;
    let data: { type?: string; message?: { usage?: ApiUsage }; usage?: ApiUsage; content_block?: { type?: string; name?: string } };
    try {
      data = JSON.parse(event.slice(dataAt + 6));
    } catch {
      return;
    }
    if (data.type === 'message_start') mergeUsage(this.usage, data.message?.usage);
    else if (data.type === 'message_delta') mergeUsage(this.usage, data.usage);
    else if (data.type === 'content_block_start' && data.content_block?.type === 'tool_use' && data.content_block.name) this.tools.push(data.content_block.name);
  }
}

/** Usage and tool names from a complete non-streaming Messages response. */
export function scanJsonResponse(body: string): { usage: Usage; tools: string[] } {
  const usage = emptyUsage();
  const tools: string[] = [];
  try {
    const msg = JSON.parse(body) as { usage?: ApiUsage; content?: Array<{ type?: string; name?: string }> };
    mergeUsage(usage, msg.usage);
    if (Array.isArray(msg.content)) for (const b of msg.content) if (b?.type === 'tool_use' && typeof b.name === 'string') tools.push(b.name);
  } catch {
    /* not JSON (e.g. an upstream HTML error page): no usage to account */
  }
  return { usage, tools };
}
