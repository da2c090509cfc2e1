/**
 * The `mcp` section: the MCP servers Warden fronts (seeds 001, 003). Composed into the root
 * schema by src/config/schema.ts. Each server is reached over stdio (a command Warden spawns
 * and supervises), Streamable HTTP or the legacy HTTP+SSE transport, with the credential
 * Warden holds for it; the client's own token never travels upstream.
 */
import { z } from 'zod';

/** Server names become tool-name prefixes (`server__tool`, SEP-986 `[A-Za-z0-9_.-]`): no `__` inside. */
export const MCP_SERVER_NAME = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'lowercase letters, digits and - only, at most 48 characters, starting with a letter or digit');

const HEADER_NAME = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'an HTTP header name (RFC 9110 token)');
const ENV_NAME = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name');
/** A header value must not smuggle a second header or request (RFC 9110 §5.5: no CR, LF or NUL). */
const HEADER_VALUE = z.string().min(1).refine((v) => !/[\r\n\0]/.test(v), 'no CR, LF or NUL characters');

const credentialSchema = z
  .strictObject({
    header: HEADER_NAME.optional().describe('Header that carries the credential to an http/sse server, e.g. `Authorization`.'),
    value: HEADER_VALUE.optional().describe('Its value, e.g. `Bearer ${env:GITHUB_TOKEN}`. Never logged or audited.'),
    env: z.record(ENV_NAME, z.string()).default({}).describe('Environment variables that carry the credential to a stdio server, e.g. `{GITHUB_TOKEN: ${env:GITHUB_TOKEN}}`.'),
  })
  .refine((c) => (c.header === undefined) === (c.value === undefined), { message: '`header` and `value` go together' })
  .describe('A credential Warden holds for an upstream MCP server.');

const listFilterSchema = z
  .strictObject({
    allow: z.array(z.string().min(1)).default(['*']).describe('Names (globs) passed on; default every one.'),
    deny: z.array(z.string().min(1)).default([]).describe('Names (globs) hidden and refused, whatever `allow` says.'),
  })
  .prefault({});

const common = {
  credential: credentialSchema
    .optional()
    .describe('The credential every caller\'s calls to this server run with. Mutually exclusive with `credentials_per_consumer`.'),
  credentials_per_consumer: z
    .record(z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'a consumer name'), credentialSchema)
    .optional()
    .describe('Per-identity credentials keyed by Warden consumer name; a consumer without an entry is refused (never given another consumer\'s credential). Each consumer gets its own stdio process or HTTP session.'),
  timeouts: z
    .strictObject({
      connect_ms: z.number().int().positive().default(10_000).describe('Longest wait for a stdio server to start or an HTTP server to answer `initialize`.'),
      request_ms: z.number().int().positive().default(60_000).describe('Longest wait for the answer to one request (tools/call included); past it the call fails and is cancelled upstream.'),
    })
    .prefault({}),
  max_message_bytes: z
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024)
    .describe('Largest single message accepted from the server (a stdout line, a JSON body, one SSE event). A stdio server past it is killed and restarted; the call in flight fails.'),
  tools: listFilterSchema.describe('Server-wide ceiling on tool names, applied before any per-identity grant: a denied tool is neither listed nor callable.'),
  prompts: listFilterSchema.describe('Server-wide ceiling on prompt names.'),
  resources: listFilterSchema.describe('Server-wide ceiling on resource URIs (globs over the URI).'),
};

const stdioServerSchema = z.strictObject({
  transport: z.literal('stdio'),
  command: z.string().min(1).describe('Program to spawn (no shell).'),
  args: z.array(z.string()).default([]),
  env: z.record(ENV_NAME, z.string()).default({}).describe('Environment of the process besides PATH, HOME, LANG, TERM, USER, LOGNAME and SHELL; Warden\'s own environment (provider keys) is never inherited.'),
  cwd: z.string().min(1).optional().describe('Working directory (default Warden\'s).'),
  restart: z
    .strictObject({
      initial_ms: z.number().int().positive().default(250).describe('Delay before the first restart after the process exits.'),
      max_ms: z.number().int().positive().default(30_000).describe('Ceiling of the exponential backoff between restarts.'),
      stable_ms: z.number().int().positive().default(30_000).describe('A process that ran this long resets the backoff.'),
    })
    .prefault({}),
  stderr: z
    .strictObject({
      max_line_bytes: z.number().int().min(64).default(2048).describe('stderr lines are cut to this length before they reach Warden\'s log.'),
      max_lines_per_second: z.number().int().min(1).default(20).describe('More lines than this per second are counted and dropped, then summarised.'),
    })
    .prefault({}),
  ...common,
});

const URL_SCHEMA = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// URL')
  .refine((u) => new URL(u).username === '' && new URL(u).password === '', 'no user:password in the URL; use `credential`');

const httpServerSchema = z.strictObject({
  transport: z.literal('http').describe('Streamable HTTP (2025-03-26 and later).'),
  url: URL_SCHEMA.describe('The server\'s MCP endpoint, e.g. `https://mcp.example.com/mcp`.'),
  headers: z.record(HEADER_NAME, HEADER_VALUE).default({}).describe('Extra non-secret headers sent on every request; credentials go in `credential`.'),
  ...common,
});

const sseServerSchema = z.strictObject({
  transport: z.literal('sse').describe('The legacy HTTP+SSE transport (2024-11-05).'),
  url: URL_SCHEMA.describe('The server\'s SSE endpoint, e.g. `https://mcp.example.com/sse`.'),
  headers: z.record(HEADER_NAME, HEADER_VALUE).default({}).describe('Extra non-secret headers sent on every request; credentials go in `credential`.'),
  ...common,
});

export const mcpServerSchema = z
  .discriminatedUnion('transport', [stdioServerSchema, httpServerSchema, sseServerSchema])
  .superRefine((s, ctx) => {
    if (s.credential && s.credentials_per_consumer) ctx.addIssue({ code: 'custom', path: ['credentials_per_consumer'], message: 'set either `credential` (one for everyone) or `credentials_per_consumer`, not both: a consumer without an entry must be refused, not given the shared one' });
    const creds = [...(s.credential ? [['credential', s.credential] as const] : []), ...Object.entries(s.credentials_per_consumer ?? {}).map(([k, c]) => [`credentials_per_consumer.${k}`, c] as const)];
    for (const [where, c] of creds) {
      if (s.transport === 'stdio' && c.header !== undefined) ctx.addIssue({ code: 'custom', path: where.split('.'), message: 'a stdio server takes its credential in `env`, not a header' });
      if (s.transport !== 'stdio' && Object.keys(c.env).length > 0) ctx.addIssue({ code: 'custom', path: where.split('.'), message: 'an http/sse server takes its credential as `header` and `value`, not `env`' });
    }
  });

export const mcpSchema = z
  .strictObject({
    servers: z.record(MCP_SERVER_NAME, mcpServerSchema).default({}).describe('Upstream MCP servers by name; the name prefixes their tools (`name__tool`) on `/mcp` and names the endpoint `/mcp/<name>`.'),
  })
  .prefault({})
  .describe('The MCP door (docs/mcp.md).');

export type McpConfig = z.output<typeof mcpSchema>;
export type McpServerConfig = z.output<typeof mcpServerSchema>;
export type McpStdioServerConfig = Extract<McpServerConfig, { transport: 'stdio' }>;
export type McpHttpServerConfig = Extract<McpServerConfig, { transport: 'http' | 'sse' }>;
export type McpCredentialConfig = z.output<typeof credentialSchema>;
