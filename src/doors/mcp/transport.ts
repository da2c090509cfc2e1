/**
 * The MCP door's HTTP side: Streamable HTTP (2025-11-25). POST carries one JSON-RPC
 * message (answered as JSON, or as an SSE stream when notifications travel before the
 * answer); GET opens the session's server→client stream; DELETE ends the session.
 * Checks before anything else: Origin and, on a loopback listener, Host (DNS rebinding),
 * then the credential (401 with the RFC 9728 pointer), then the session.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WardenError } from '../../core/errors.js';
import { newExchange, type Gateway } from '../../runtime/gateway.js';
import { BoundedLabel, OTHER_LABEL } from '../../telemetry/label-values.js';
import { readBody } from '../shared/body.js';
import type { DoorHttpHandler } from '../door.js';
import { challenge, identifyCaller, METADATA_PATH, serveMetadata, type McpCaller } from './auth.js';
import { callTool } from './call.js';
import { complete, getPrompt, listPrompts, listResources, listResourceTemplates, listTools, readResource, subscription } from './catalog.js';
import type { McpCtx, Reply } from './context.js';
import { grantsFor } from './grants.js';
import { EventStream } from './event-stream.js';
import { originRefusal } from './origin.js';
import { mcpPart } from './part.js';
import { sendRpcFailure, recordFailure } from './render.js';
import { parseMessage, rpcError, rpcResult, toRpcError, type RpcId, type RpcMessage } from './rpc.js';
import { SessionStore, type McpSession } from './sessions.js';
import { guardNotification, relayUpstreamError } from './upstream-error.js';
import { Cancellation } from './upstream/cancellation.js';
import type { JsonRpcNotification } from './upstream/index.js';

/** Protocol versions this door speaks (the SDK negotiates 2025-11-25 at most). */
export const SUPPORTED_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const LATEST = SUPPORTED_VERSIONS[0]!;
const KNOWN_METHODS = new Set(['initialize', 'ping', 'tools/list', 'tools/call', 'prompts/list', 'prompts/get', 'resources/list', 'resources/read', 'resources/templates/list', 'logging/setLevel', 'server/discover', 'resources/subscribe', 'resources/unsubscribe', 'completion/complete', 'notifications/initialized', 'notifications/cancelled']);

type Handler = (ctx: McpCtx) => Promise<Record<string, unknown>>;
const METHODS: Record<string, Handler> = {
  ping: async () => ({}),
  'logging/setLevel': async () => ({}),
  'tools/list': listTools,
  'prompts/list': listPrompts,
  'prompts/get': getPrompt,
  'resources/list': listResources,
  'resources/templates/list': listResourceTemplates,
  'resources/read': readResource,
  'resources/subscribe': subscription,
  'resources/unsubscribe': subscription,
  'completion/complete': complete,
};

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function accepts(req: IncomingMessage, type: string): boolean {
  const a = (header(req, 'accept') ?? '').toLowerCase();
  return a.includes(type) || a.includes('*/*');
}

function checkHeaders(req: IncomingMessage, msg: RpcMessage): string | undefined {
  const method = header(req, 'mcp-method');
  if (method !== undefined && method !== msg.method) return `Mcp-Method header "${method.slice(0, 100)}" but the body's method is "${msg.method}"`;
  const name = header(req, 'mcp-name');
  if (name === undefined) return undefined;
  const p = msg.params ?? {};
  const inBody = msg.method === 'resources/read' ? p.uri : msg.method === 'tools/call' || msg.method === 'prompts/get' ? p.name : undefined;
  if (inBody !== name) return `Mcp-Name header "${name.slice(0, 100)}" but the body names "${String(inBody).slice(0, 100)}"`;
  return undefined;
}

export function createMcpHandler(gw: Gateway): DoorHttpHandler {
  const part = () => gw.current().part(mcpPart);
  const sessions = new SessionStore({ idleMs: () => part().config.session_idle_ms, max: () => part().config.max_sessions });
  const toolLabels = new BoundedLabel(500);
  const inflight = new WeakMap<McpSession, Map<RpcId, Cancellation>>();

  return function mcpHandler(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const p = part();
    if (!p.servers.size) return false;
    if (path.startsWith(METADATA_PATH)) return serveMetadata(req, res, p.config, path.slice(METADATA_PATH.length), new Set(p.servers.keys()));
    if (path !== '/mcp' && !path.startsWith('/mcp/')) return false;
    void handle(req, res, path).catch((e: unknown) => gw.log.error('MCP door failure', { error: String((e as Error)?.stack ?? e) }));
    return true;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const snap = gw.current();
    const p = snap.part(mcpPart);
    const only = path === '/mcp' ? undefined : path.slice(5);
    const known = only === undefined || p.servers.has(only);
    const ex = newExchange('mcp', req, known ? path : '/mcp/(unknown)');
    ex.mcp = { method: `http/${(req.method ?? '').toLowerCase().slice(0, 10)}`, ...(req.socket.remoteAddress ? { client: req.socket.remoteAddress } : {}) };
    let id: RpcId | undefined;
    let caller: McpCaller | undefined;
    try {
      const refused = originRefusal({ host: header(req, 'host'), origin: header(req, 'origin'), tls: (req.socket as { encrypted?: boolean }).encrypted === true }, p.config, snap.config.server.host);
      if (refused) throw new WardenError('WARDEN_E_MCP_ORIGIN', refused);
      try {
        const identified = identifyCaller(gw, req);
        caller = identified instanceof Promise ? await identified : identified;
      } catch (e) {
        const presented = (e as WardenError).code !== 'WARDEN_E_AUTH_MISSING';
        return sendRpcFailure(gw, res, ex, e, null, true, (e as WardenError).status === 401 ? { 'www-authenticate': challenge(req, p.config, known ? path : '/mcp', presented ? 'invalid_token' : undefined) } : {}, !req.complete);
      }
      ex.key = caller.key;
      ex.consumer = caller.consumer;
      if (caller.oidc) ex.principal = caller.oidc;
      if (!known) throw new WardenError('WARDEN_E_NOT_FOUND', `no MCP server named "${only!.slice(0, 64)}" under mcp.servers (endpoints: /mcp, ${[...p.servers.keys()].map((s) => `/mcp/${s}`).join(', ')})`);
      if (req.method === 'POST') return await post(req, res, ex, caller, only, (x) => (id = x));
      if (req.method === 'GET') return openStream(req, res, ex, caller, only);
      if (req.method === 'DELETE') return endSession(req, res, ex, caller, only);
      throw new WardenError('WARDEN_E_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; use POST, GET or DELETE`, { headers: { allow: 'GET, POST, DELETE' } });
    } catch (e) {
      sendRpcFailure(gw, res, ex, e, id ?? null, true, {}, !req.complete);
    }
  }

  /** The caller's live session named by `Mcp-Session-Id`, on the endpoint that opened it (its names mean that endpoint's servers). */
  function sessionOf(req: IncomingMessage, caller: McpCaller, only: string | undefined): McpSession {
    const sid = header(req, 'mcp-session-id');
    if (!sid) throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'Mcp-Session-Id header required: send initialize first and echo the session id it returns');
    const found = sessions.get(sid, caller.principal);
    const s = found && found.scope.only === only ? found : undefined;
    if (!s) throw new WardenError('WARDEN_E_MCP_SESSION_UNKNOWN', 'unknown or expired MCP session: initialize a new one');
    const v = header(req, 'mcp-protocol-version');
    if (v !== undefined && !SUPPORTED_VERSIONS.includes(v)) throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', `MCP-Protocol-Version ${v.slice(0, 40)} is not supported (${SUPPORTED_VERSIONS.join(', ')})`);
    return s;
  }

  async function post(req: IncomingMessage, res: ServerResponse, ex: ReturnType<typeof newExchange>, caller: McpCaller, only: string | undefined, setId: (id: RpcId | undefined) => void): Promise<void> {
    const snap = gw.current();
    const p = snap.part(mcpPart);
    const ct = (header(req, 'content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (ct !== 'application/json') throw new WardenError('WARDEN_E_CONTENT_TYPE', `content-type must be application/json (got ${JSON.stringify(ct.slice(0, 60))})`);
    if (!accepts(req, 'application/json') && !accepts(req, 'text/event-stream')) throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'Accept must include application/json and text/event-stream', { status: 406 });
    const body = await readBody(req, snap.config.server.body_limit_bytes, snap.config.server.body_timeout_ms);
    const msg = parseMessage(body);
    setId(msg.id);
    ex.mcp!.method = KNOWN_METHODS.has(msg.method) ? msg.method : msg.method.slice(0, 64);
    const mismatch = checkHeaders(req, msg);
    if (mismatch) {
      ex.mcp!.mismatch = mismatch;
      throw new WardenError('WARDEN_E_MCP_HEADER_MISMATCH', mismatch);
    }
    if (msg.method === 'server/discover') {
      // Only the 2025-11-25 era is served: a plain 400 that is not a modern error, so Claude
      // Code falls back to initialize (a 404 or -32601 would make it take Warden for a modern server).
      throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'Bad Request: server/discover is not supported; this server speaks MCP 2025-11-25 (initialize)');
    }
    if (msg.method === 'initialize') return initialize(req, res, ex, caller, only, msg);
    const session = sessionOf(req, caller, only);
    sessions.touch(session);
    ex.mcp!.session = session.id.slice(0, 16);
    if (msg.id === undefined) {
      // Notifications: cancellation aborts the request in flight; the rest need no answer.
      if (msg.method === 'notifications/cancelled') {
        const rid = msg.params?.requestId;
        if (typeof rid === 'string' || typeof rid === 'number') inflight.get(session)?.get(rid)?.abort();
      }
      ex.status = 202;
      gw.finish(ex);
      res.writeHead(202, { 'x-warden-request-id': ex.id });
      res.end();
      return;
    }
    await request(req, res, ex, session, msg, msg.id);
  }

  function initialize(req: IncomingMessage, res: ServerResponse, ex: ReturnType<typeof newExchange>, caller: McpCaller, only: string | undefined, msg: RpcMessage): void {
    if (header(req, 'mcp-session-id')) throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'initialize must not carry an Mcp-Session-Id: it starts a new session');
    if (msg.id === undefined) throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'initialize is a request: it needs an id');
    const params = msg.params ?? {};
    const asked = typeof params.protocolVersion === 'string' ? params.protocolVersion : '';
    const caps = params.capabilities && typeof params.capabilities === 'object' && !Array.isArray(params.capabilities) ? (params.capabilities as Record<string, unknown>) : {};
    const session = sessions.create({ principal: caller.principal, consumer: caller.consumer, scope: { only }, protocolVersion: SUPPORTED_VERSIONS.includes(asked) ? asked : LATEST, clientCapabilities: caps });
    ex.mcp!.session = session.id.slice(0, 16);
    // Prompts and resources are announced only to a caller granted some (a tool grant grants neither); tools always, so an identity without grants hears why on tools/list.
    const grants = grantsFor(part().config.grants, caller.consumer);
    const prompts = grants.grantsKind('prompts');
    const resources = grants.grantsKind('resources');
    const result = {
      protocolVersion: session.protocolVersion,
      capabilities: {
        tools: { listChanged: true },
        ...(prompts ? { prompts: { listChanged: true } } : {}),
        ...(resources ? { resources: { listChanged: true, subscribe: true } } : {}),
        logging: {},
        ...(prompts || resources ? { completions: {} } : {}),
      },
      serverInfo: { name: 'warden', title: only ? `Warden: ${only}` : 'Warden MCP gateway', version: '0.1.0' },
      instructions: only ? `Tools of the MCP server "${only}", through Warden.` : 'Tools of several MCP servers through Warden; names are server__tool.',
    };
    ex.status = 200;
    ex.decision = { outcome: 'allow', rule: 'mcp.session' };
    gw.finish(ex);
    const out = rpcResult(msg.id, result);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), 'mcp-session-id': session.id, 'x-warden-request-id': ex.id });
    res.end(out);
  }

  async function request(req: IncomingMessage, res: ServerResponse, ex: ReturnType<typeof newExchange>, session: McpSession, msg: RpcMessage, id: RpcId): Promise<void> {
    const snap = gw.current();
    const p = snap.part(mcpPart);
    const abort = new Cancellation();
    let list = inflight.get(session);
    if (!list) inflight.set(session, (list = new Map()));
    list.set(id, abort);
    // Closing the response stream is cancellation.
    const onClose = () => {
      if (!res.writableFinished) abort.abort();
    };
    res.on('close', onClose);
    let streaming = false;
    const canStream = accepts(req, 'text/event-stream') && msg.method === 'tools/call';
    const startStream = () => {
      if (streaming) return;
      streaming = true;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-warden-request-id': ex.id });
    };
    // Bounded: while the client leaves more than mcp.stream_buffer_bytes unread, notifications are skipped; the answer is always written.
    const events = new EventStream(res, { maxBuffered: () => p.config.stream_buffer_bytes, overflow: 'skip' });
    // Notifications are guarded (async) before they are written: every write to the response goes through this chain, so order is kept.
    let writes: Promise<void> = Promise.resolve();
    const reply: Reply = {
      canStream,
      notify(n: JsonRpcNotification) {
        if (!canStream) return;
        if (!events.admit()) return;
        writes = writes
          .then(async () => {
            const safe = await guardNotification(ctx, n);
            if (!safe || res.writableEnded || res.destroyed) return;
            startStream();
            events.send(JSON.stringify({ jsonrpc: '2.0', method: safe.method, ...(safe.params ? { params: safe.params } : {}) }));
          })
          .catch((e: unknown) => gw.log.warn('MCP notification not relayed', { error: String((e as Error)?.message ?? e).slice(0, 200) }));
      },
    };
    const ctx: McpCtx = { gw, snap, part: p, req, res, ex, sessions, session, grants: grantsFor(p.config.grants, session.consumer), msg, reply, signal: abort };
    const send = (payload: string, status = 200) => {
      writes = writes.then(() => sendNow(payload, status));
    };
    const sendNow = (payload: string, status: number) => {
      if (res.destroyed) return;
      if (streaming) {
        res.end(`event: message\ndata: ${payload}\n\n`);
        if (events.skipped) gw.log.warn('MCP notifications skipped: the client is not reading', { session: session.id.slice(0, 16), request_id: ex.id, skipped: events.skipped, limit_bytes: p.config.stream_buffer_bytes });
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-warden-request-id': ex.id });
      res.end(payload);
    };
    sessions.begin(session);
    try {
      let result: Record<string, unknown> | undefined;
      let rpcErr: { code: number; message: string; data: Record<string, unknown> } | undefined;
      if (msg.method === 'tools/call') {
        const out = await callTool(ctx);
        result = out.result;
        rpcErr = out.rpcError;
        countCall(ctx, ex.decision?.outcome === 'ask' ? 'ask' : 'allow', result?.isError === true);
      } else {
        const h = Object.hasOwn(METHODS, msg.method) ? METHODS[msg.method]! : undefined;
        if (!h) {
          ex.status = 200;
          ex.errorCode = 'WARDEN_E_NOT_FOUND';
          gw.finish(ex);
          return send(rpcError(id, { code: -32601, message: `method ${msg.method.slice(0, 64)} is not supported by Warden's MCP endpoint`, data: { request_id: ex.id } }));
        }
        result = await h(ctx);
      }
      if (res.destroyed) {
        ex.clientAborted = true;
        ex.status = 499;
        gw.finish(ex);
        return;
      }
      ex.status = 200;
      if (!ex.decision) ex.decision = { outcome: 'allow', rule: 'mcp.grants' };
      gw.finish(ex);
      send(rpcErr ? rpcError(id, rpcErr) : rpcResult(id, result ?? {}));
    } catch (thrown) {
      const e = await relayUpstreamError(ctx, thrown);
      if (msg.method === 'tools/call') countCall(ctx, ex.decision?.outcome === 'deny' || isRefusal(e) ? 'deny' : 'error', false);
      const err = recordFailure(gw, ex, e);
      if (err.code === 'WARDEN_E_MCP_SESSION_LOST' || err.code === 'WARDEN_E_MCP_SESSION_UNKNOWN') {
        // Never half alive: the Warden session ends with its upstream, and the client hears 404.
        sessions.end(session);
        ex.status = 404;
        gw.finish(ex);
        if (streaming) return send(rpcError(id, toRpcError(err, ex.id)));
        return send(rpcError(id, toRpcError(err, ex.id)), 404);
      }
      if (res.destroyed) ex.clientAborted = true;
      ex.status = res.destroyed ? 499 : 200;
      gw.finish(ex);
      send(rpcError(id, toRpcError(err, ex.id)));
    } finally {
      sessions.done(session);
      list.delete(id);
      res.off('close', onClose);
    }
  }

  function isRefusal(e: unknown): boolean {
    return e instanceof WardenError && e.status === 403;
  }

  function countCall(ctx: McpCtx, outcome: string, isError: boolean): void {
    const m = ctx.ex.mcp!;
    const server = m.server ?? OTHER_LABEL;
    // Tool names come from the client: only a granted tool of a configured server takes a label of its own.
    const granted = m.server !== undefined && m.tool !== undefined && ctx.grants.allows(`${m.server}__${m.tool}`);
    const tool = granted ? toolLabels.value(`${m.server}__${m.tool}`) : OTHER_LABEL;
    gw.metrics.mcpCalls.inc([server, tool, isError ? 'error' : outcome]);
  }

  function openStream(req: IncomingMessage, res: ServerResponse, ex: ReturnType<typeof newExchange>, caller: McpCaller, only: string | undefined): void {
    ex.mcp!.method = 'stream/open';
    if (!accepts(req, 'text/event-stream')) throw new WardenError('WARDEN_E_METHOD_NOT_ALLOWED', 'GET opens the server→client event stream: Accept must include text/event-stream', { headers: { allow: 'GET, POST, DELETE' } });
    const session = sessionOf(req, caller, only);
    ex.mcp!.session = session.id.slice(0, 16);
    if (session.stream?.open) throw new WardenError('WARDEN_E_MCP_BAD_MESSAGE', 'this session already has an open GET stream', { status: 409 });
    ex.status = 200;
    gw.finish(ex);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'mcp-session-id': session.id });
    res.flushHeaders();
    // Bounded: a client that stops reading loses this stream, it never grows Warden's memory (event-stream.ts).
    const stream = new EventStream(res, {
      maxBuffered: () => part().config.stream_buffer_bytes,
      overflow: 'drop',
      onDrop: (unread) => {
        if (session.stream === stream) session.stream = undefined;
        gw.log.warn('MCP GET stream ended: the client is not reading', { session: session.id.slice(0, 16), consumer: session.consumer.name, unread_bytes: unread, limit_bytes: part().config.stream_buffer_bytes });
      },
    });
    session.stream = stream;
    // Proxies drop silent connections; a comment line every 25 s keeps the stream open.
    const keepAlive = setInterval(() => stream.comment('keep-alive'), 25_000);
    keepAlive.unref();
    res.on('close', () => {
      clearInterval(keepAlive);
      if (session.stream === stream) session.stream = undefined;
    });
  }

  function endSession(req: IncomingMessage, res: ServerResponse, ex: ReturnType<typeof newExchange>, caller: McpCaller, only: string | undefined): void {
    ex.mcp!.method = 'session/delete';
    const session = sessionOf(req, caller, only);
    ex.mcp!.session = session.id.slice(0, 16);
    sessions.end(session);
    ex.status = 200;
    gw.finish(ex);
    res.writeHead(200, { 'content-length': 0, 'x-warden-request-id': ex.id });
    res.end();
  }
}
