/**
 * MCP clients for tests of the MCP door: the SDK's Client over StreamableHTTPClientTransport
 * against a Warden endpoint with a Warden key, and a raw POST helper for the bad-input table.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface McpTestClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  close(): Promise<void>;
}

/** An initialized SDK client on `${wardenUrl}${path}` (`/mcp` or `/mcp/<server>`) with `key` as bearer. */
export async function connectMcp(wardenUrl: string, key: string | undefined, opts: { path?: string; capabilities?: Record<string, unknown>; headers?: Record<string, string> } = {}): Promise<McpTestClient> {
  const headers: Record<string, string> = { ...opts.headers };
  if (key) headers.authorization = `Bearer ${key}`;
  const transport = new StreamableHTTPClientTransport(new URL(`${wardenUrl}${opts.path ?? '/mcp'}`), { requestInit: { headers } });
  const client = new Client({ name: 'warden-test', version: '1.0.0' }, { capabilities: opts.capabilities ?? {} });
  await client.connect(transport);
  return {
    client,
    transport,
    async close() {
      await client.close().catch(() => undefined);
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** One raw POST to an MCP endpoint (headers as given, body as given: string bodies are sent verbatim). */
export async function mcpPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Initializes a session by hand; returns its id. */
export async function rawInitialize(url: string, key: string, extra: Record<string, string> = {}): Promise<string> {
  const r = await mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, { authorization: `Bearer ${key}`, ...extra });
  if (r.status !== 200) throw new Error(`initialize answered ${r.status}: ${r.text}`);
  return r.headers.get('mcp-session-id')!;
}
