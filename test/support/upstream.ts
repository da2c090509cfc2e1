/**
 * A local server shaped like the Anthropic Messages API, for tests. It records every request
 * it receives and answers `POST /v1/messages` from a script (see sse.ts for the replies).
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { errorBody, encodeEvent, renderEvents, renderMessage, textReply, type MessageReply, type Reply } from './sse.js';

export { textReply, toolUseReply, contentReply, errorReply, rawReply, errorBody, collectSse, assembleMessage, renderEvents, encodeEvent } from './sse.js';
export type { Reply, MessageReply, ErrorReply, RawReply, ReplyOptions, StreamControl, ContentSpec, ParsedEvent, SseEvent } from './sse.js';

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  /** The body bytes written so far. */
  body: Buffer;
  /** true once the whole answer was written (false while stalled or after a destroy). */
  complete: boolean;
}

export interface RecordedRequest {
  /** 0-based position among all requests this upstream received. */
  index: number;
  method: string;
  /** Path with query, as received (e.g. `/v1/messages?beta=true`). */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: any;
  response?: RecordedResponse;
}

export type Script = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface UpstreamOptions {
  script?: Script;
  /** Ids listed by `GET /v1/models`. */
  models?: string[];
}

export interface Upstream {
  /** Root URL without `/v1`, e.g. `http://127.0.0.1:41234` (what ANTHROPIC_BASE_URL takes). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The `POST /v1/messages` requests only (not count_tokens, hello, models). */
  messageRequests(): RecordedRequest[];
  /** Sets the script that answers `POST /v1/messages`. */
  script(fn: Script): void;
  /** Resolves once `count` message requests arrived; rejects after timeoutMs. */
  waitForMessageRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Forgets recorded requests and restores the default script. */
  reset(): void;
  close(): Promise<void>;
}

type Message = { role: string; content: unknown };
type Block = { type?: string; text?: string; tool_use_id?: string; content?: unknown; is_error?: boolean };

/** The last message with role `user` of a Messages API request body. */
export function lastUserMessage(body: any): Message | undefined {
  const messages: Message[] = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i];
  return undefined;
}

function blocks(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? (content as Block[]) : [];
}

/** Text of a block's content whether it is a string or an array of text blocks. */
export function blockText(content: unknown): string {
  return blocks(content).map((b) => (b.type === 'text' ? b.text ?? '' : '')).join('');
}

/** The last user turn's own text, skipping the `<system-reminder>` blocks Claude Code adds. */
export function lastUserText(body: any): string {
  const texts = blocks(lastUserMessage(body)?.content).filter((b) => b.type === 'text' && !b.text?.startsWith('<system-reminder>'));
  return texts.at(-1)?.text ?? '';
}

/** The `tool_result` blocks of the last user turn, their content flattened to text. */
export function toolResults(body: any): Array<{ tool_use_id: string; text: string; is_error: boolean }> {
  return blocks(lastUserMessage(body)?.content)
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({ tool_use_id: b.tool_use_id ?? '', text: blockText(b.content), is_error: b.is_error === true }));
}

/** After a tool ran, say "done"; otherwise echo the user's text. */
export const defaultScript: Script = (req) =>
  toolResults(req.json).length > 0 ? textReply('done') : textReply(`echo: ${lastUserText(req.json)}`);

/** Answers the n-th message request with replies[n]; later ones with `then`. */
export function sequence(replies: Reply[], then: Script = defaultScript): Script {
  let n = 0;
  return (req) => (n < replies.length ? replies[n++]! : then(req));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function respond(res: http.ServerResponse, rec: RecordedResponse, chunk?: string | Buffer): void {
  res.writeHead(rec.status, rec.headers);
  if (chunk !== undefined) rec.body = Buffer.from(chunk);
  res.end(chunk, () => { rec.complete = true; });
}

async function writeStream(res: http.ServerResponse, rec: RecordedResponse, reply: MessageReply, model: string): Promise<void> {
  const { delayMs = 0, stallAfterEvents, pingBeforeStall, destroyAfterEvents, errorAfterEvents } = reply.stream;
  res.writeHead(rec.status, rec.headers);
  res.flushHeaders();
  const chunks: Buffer[] = [];
  const write = (text: string) => { const b = Buffer.from(text); chunks.push(b); rec.body = Buffer.concat(chunks); res.write(b); };
  const events = renderEvents(reply, model);
  for (let i = 0; i <= events.length; i++) {
    if (res.destroyed) return;
    if (i === stallAfterEvents) {
      if (pingBeforeStall) write(encodeEvent({ event: 'ping', data: { type: 'ping' } }));
      return; // left open on purpose: close() ends it
    }
    if (i === destroyAfterEvents) { res.socket?.destroy(); return; }
    if (i === errorAfterEvents?.events) {
      write(`event: error\ndata: ${errorBody(errorAfterEvents.type, errorAfterEvents.message)}\n\n`);
      break;
    }
    if (i === events.length) break;
    if (delayMs > 0) await sleep(delayMs);
    write(encodeEvent(events[i]!));
  }
  res.end(() => { rec.complete = true; });
}

async function answerMessages(req: RecordedRequest, res: http.ServerResponse, script: Script): Promise<void> {
  const json = req.json;
  const base = { 'request-id': `req_test_${String(req.index).padStart(6, '0')}` };
  const rec: RecordedResponse = { status: 200, headers: base, body: Buffer.alloc(0), complete: false };
  req.response = rec;
  if (json === undefined || typeof json !== 'object') {
    rec.status = 400;
    rec.headers = { ...base, 'content-type': 'application/json', 'x-should-retry': 'false' };
    return respond(res, rec, errorBody('invalid_request_error', 'body is not a JSON object'));
  }
  const reply = await script(req);
  if (reply.kind === 'raw') {
    Object.assign(rec, { status: reply.status, headers: { ...base, ...reply.headers } });
    return respond(res, rec, reply.body);
  }
  if (reply.kind === 'error') {
    Object.assign(rec, { status: reply.status, headers: { ...base, 'content-type': 'application/json', ...reply.headers } });
    return respond(res, rec, errorBody(reply.errorType, reply.message));
  }
  const model = typeof json.model === 'string' ? json.model : 'claude-test';
  if (json.stream === true) {
    rec.headers = { ...base, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...reply.headers };
    return writeStream(res, rec, reply, model);
  }
  if (reply.stream.delayMs) await sleep(reply.stream.delayMs);
  rec.headers = { ...base, 'content-type': 'application/json', ...reply.headers };
  respond(res, rec, JSON.stringify(renderMessage(reply, model)));
}

function answerFixed(req: RecordedRequest, res: http.ServerResponse, models: string[]): void {
  const json = (status: number, body: unknown) => {
    req.response = { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), complete: true };
    res.writeHead(status, req.response.headers).end(req.response.body);
  };
  if (req.path === '/api/hello') return json(200, {});
  if (req.method === 'GET' && req.path === '/v1/models') {
    const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
    return json(200, { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null });
  }
  if (req.method === 'POST' && req.path === '/v1/messages/count_tokens') return json(200, { input_tokens: Math.ceil(req.body.length / 4) });
  json(404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${req.path}` } });
}

export async function startUpstream(opts: UpstreamOptions = {}): Promise<Upstream> {
  const models = opts.models ?? ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-fable-5-2'];
  let script: Script = opts.script ?? defaultScript;
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const isMessages = (r: RecordedRequest) => r.method === 'POST' && r.path === '/v1/messages';

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://upstream.test');
      let json: unknown;
      try { json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined; } catch { json = undefined; }
      const rec: RecordedRequest = {
        index: requests.length, method: req.method ?? '', url: req.url ?? '/', path: url.pathname, query: url.searchParams,
        headers: req.headers, rawHeaders: req.rawHeaders, body, json,
      };
      requests.push(rec);
      for (const w of waiters) w();
      const done = isMessages(rec) ? answerMessages(rec, res, script) : Promise.resolve(answerFixed(rec, res, models));
      done.catch((err: unknown) => {
        const body = errorBody('api_error', `test upstream script failed: ${String(err)}`);
        rec.response = { status: 500, headers: { 'content-type': 'application/json' }, body: Buffer.from(body), complete: true };
        if (!res.headersSent) res.writeHead(500, rec.response.headers);
        res.end(body);
      });
    });
    // A client that aborts mid-upload (a fault test) must not crash the server.
    req.on('error', () => {});
  });
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    messageRequests: () => requests.filter(isMessages),
    script(fn) { script = fn; },
    waitForMessageRequests(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = requests.filter(isMessages);
          if (found.length < count) return;
          waiters.delete(check); clearTimeout(timer); resolve(found);
        };
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`waited ${timeoutMs} ms for ${count} message requests`)); }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    reset() { requests.length = 0; script = opts.script ?? defaultScript; },
    close() {
      // Stalled streams keep sockets open forever; end them so close() returns.
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
