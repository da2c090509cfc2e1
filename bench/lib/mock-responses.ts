/**
 * The mock upstream's fixed answers, built once as complete HTTP/1.1 responses so that
 * answering costs one socket write. Shapes follow the Anthropic Messages API: a JSON
 * message, and an SSE stream with a text block and a tool_use block (input_json_delta
 * fragments), pings and the usual event order.
 */
const MODEL = 'claude-sonnet-4-5-20250929';

export const JSON_BODY = Buffer.from(
  JSON.stringify({
    id: 'msg_01BenchAaBbCcDdEeFfGgHh',
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [{ type: 'text', text: 'Keeping upstream connections alive saves a TCP and TLS handshake per request; a small pool shared by slow streams makes new requests wait behind them.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 312, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 48, service_tier: 'standard' },
  }),
);

const sse = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** The SSE events, one string each, in the order the API sends them. */
export const SSE_EVENTS: readonly string[] = (() => {
  const text = ['I will run', ' the door tests', ' first to see', ' which case fails', ' before touching', ' forward.ts.'];
  const json = ['{"command": "npm', ' test -- test/llm', '-door.test.ts", "descr', 'iption": "Run the LLM door tests"}'];
  return [
    sse('message_start', { message: { id: 'msg_01BenchAaBbCcDdEeFfGgHh', type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 312, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' } } }),
    sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', {}),
    ...text.map((t) => sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } })),
    sse('content_block_stop', { index: 0 }),
    sse('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_01BenchBashAaBbCcDdEe', name: 'Bash', input: {} } }),
    sse('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
    ...json.map((j) => sse('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: j } })),
    sse('content_block_stop', { index: 1 }),
    sse('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 61 } }),
    sse('message_stop', {}),
  ];
})();

/** What a client must receive as the SSE body (after de-chunking), byte for byte. */
export const SSE_BODY = Buffer.from(SSE_EVENTS.join(''));

const COMMON = 'request-id: req_01BenchAaBbCcDd\r\nanthropic-organization-id: 00000000-0000-4000-8000-000000000000\r\n';

export const JSON_RESPONSE = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${JSON_BODY.length}\r\n${COMMON}\r\n`),
  JSON_BODY,
]);

export const SSE_HEAD = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n${COMMON}\r\n`);

export const chunk = (s: string): Buffer => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
};

export const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** A whole SSE answer, one HTTP chunk per event as a real upstream flushes them, in one write. */
export const SSE_RESPONSE = Buffer.concat([SSE_HEAD, ...SSE_EVENTS.map(chunk), LAST_CHUNK]);

const NOT_FOUND_BODY = '{"type":"error","error":{"type":"not_found_error","message":"The mock upstream serves POST /v1/messages only."}}';
export const NOT_FOUND = Buffer.from(`HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${NOT_FOUND_BODY.length}\r\n\r\n${NOT_FOUND_BODY}`);
