/**
 * The built-in `mock` provider: answers in the real Messages API shape (JSON or SSE) so
 * the quick start works without a provider key, and says plainly that it is a mock.
 */
export const MOCK_MODELS = [
  'claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1', 'claude-sonnet-4-0', 'claude-3-5-haiku-latest',
];

interface MockRequest {
  model: string;
  stream?: boolean;
  messages?: Array<{ role?: string; content?: unknown }>;
}

function lastUserText(req: MockRequest): string {
  const msgs = Array.isArray(req.messages) ? req.messages : [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      const texts = m.content.filter((b: { type?: string }) => b?.type === 'text').map((b: { text?: string }) => String(b.text ?? ''));
      if (texts.length) return texts.join(' ');
    }
  }
  return '';
}

export function estimateTokens(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4));
}

export function mockAnswerText(req: MockRequest): string {
  const said = lastUserText(req).slice(0, 200);
  return `This is Warden's built-in mock provider: no real model was called. Configure a provider in warden.yaml to reach Claude.${said ? ` You said: ${said}` : ''}`;
}

let counter = 0;
function messageId(): string {
  counter++;
  return `msg_mock_${Date.now().toString(36)}${counter.toString(36)}`;
}

export interface MockAnswer {
  headers: Record<string, string>;
  body: string;
  inputTokens: number;
  outputTokens: number;
}

export function buildMockAnswer(req: MockRequest, requestBytes: number): MockAnswer {
  const text = mockAnswerText(req);
  const inputTokens = estimateTokens(requestBytes);
  const outputTokens = estimateTokens(Buffer.byteLength(text));
  const id = messageId();
  if (!req.stream) {
    const body = JSON.stringify({
      id, type: 'message', role: 'assistant', model: req.model,
      content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
    return { headers: { 'content-type': 'application/json' }, body, inputTokens, outputTokens };
  }
  const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  const parts = text.match(/.{1,40}(\s|$)/g) ?? [text];
  let body = ev('message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model: req.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } },
  });
  body += ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  body += ev('ping', { type: 'ping' });
  for (const p of parts) body += ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } });
  body += ev('content_block_stop', { type: 'content_block_stop', index: 0 });
  body += ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outputTokens } });
  body += ev('message_stop', { type: 'message_stop' });
  return { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body, inputTokens, outputTokens };
}
