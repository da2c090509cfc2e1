/**
 * The MCP door's config section `mcp`: the upstream servers (`servers`, from config.ts, the
 * upstream side) and the door's own settings: who may use which tools (`grants`), argument
 * validators, sessions, and the endpoint's OAuth protected-resource metadata.
 */
import { z } from 'zod';
import { SQL_EFFECTS } from '../postgres/sql/effects.js';
import { mcpSchema } from './config.js';

/** Effects a `sql` validator may allow: everything but `blocked`, which no configuration allows. */
const ALLOWABLE_SQL_EFFECTS = SQL_EFFECTS.filter((e) => e !== 'blocked') as [Exclude<(typeof SQL_EFFECTS)[number], 'blocked'>, ...Exclude<(typeof SQL_EFFECTS)[number], 'blocked'>[]];

function isOrigin(o: string): boolean {
  try {
    return new URL(o).origin === o;
  } catch {
    return false;
  }
}

/** Namespaced tool globs: `server__tool`, `server__*`, `*`. */
const TOOL_GLOB = z.string().regex(/^[A-Za-z0-9_.*?-]{1,200}$/, 'a tool name or glob in the form server__tool (letters, digits, _ . - and * ?)');

/** `server__<uri>` globs: a resource URI may hold any visible character (`?` still matches one character). */
const RESOURCE_GLOB = z.string().regex(/^[^\s\u0000-\u001f\u007f]{1,2000}$/, 'a `server__<uri>` glob without spaces or control characters');

const grantSchema = z
  .strictObject({
    consumers: z.array(z.string().min(1)).default([]).describe('Consumer names (globs) this grant is for.'),
    groups: z.array(z.string().min(1)).default([]).describe('Groups: the grant is for a consumer in any of them.'),
    labels: z.record(z.string(), z.string()).default({}).describe('Labels the consumer must all carry.'),
    tools: z.array(TOOL_GLOB).default([]).describe('Tools granted, as `server__tool` globs (`github__*`).'),
    prompts: z.array(TOOL_GLOB).default([]).describe('Prompts granted, as `server__prompt` globs. Tools grant no prompts: a grant without this key gives none.'),
    resources: z
      .array(RESOURCE_GLOB)
      .default([])
      .describe('Resources granted, as `server__<uri>` globs over the server\'s own URIs and URI templates (`docs__*`, `fs__file:///srv/shared/*`): resources/list, templates, read, subscribe and their notifications. Tools grant no resources: a grant without this key gives none.'),
  })
  .refine((g) => g.consumers.length > 0 || g.groups.length > 0 || Object.keys(g.labels).length > 0, 'name at least one of consumers, groups or labels (a grant for everyone is `consumers: ["*"]`)')
  .refine((g) => g.tools.length + g.prompts.length + g.resources.length > 0, 'grant at least one of tools, prompts or resources');

const validatorSchema = z.strictObject({
  tools: z.array(TOOL_GLOB).min(1).describe('Tools (`server__tool` globs) the validator checks.'),
  paths: z
    .strictObject({
      arguments: z.array(z.string().min(1)).min(1).describe('Argument names that hold a path (or a list of paths): `path`, `source`, `paths`.'),
      roots: z.array(z.string().regex(/^\//, 'an absolute path')).min(1).describe('Allowed roots; a path must stay inside one after normalisation and symlink resolution.'),
    })
    .optional(),
  urls: z
    .strictObject({
      arguments: z.array(z.string().min(1)).min(1).describe('Argument names that hold a URL.'),
      allow: z.array(z.string().min(1)).min(1).describe('URL globs allowed (`https://docs.example.com/*`); http(s) only.'),
    })
    .optional(),
  sql: z
    .strictObject({
      arguments: z.array(z.string().min(1)).min(1).describe('Argument names that hold SQL text: `sql` (dbhub `execute_sql`), `query` (server-postgres `query`).'),
      allow: z
        .array(z.enum(ALLOWABLE_SQL_EFFECTS))
        .min(1)
        .default(['read'])
        .describe('Statement effects allowed (docs/postgres-policy.md): read, transaction, session, write, ddl, admin, restricted. Every statement of the text must have one of them; the always-blocked list and unparseable text are refused whatever this says.'),
      max_bytes: z.number().int().positive().max(1024 * 1024).optional().describe('Largest SQL text parsed (default 64 KiB, as `postgres.statements.max_statement_bytes`); a larger one is refused.'),
    })
    .optional()
    .describe('SQL arguments classified by the PostgreSQL door\'s classifier before the tool runs.'),
  max_argument_bytes: z.number().int().positive().optional().describe('Largest JSON size of the arguments of one call for these tools.'),
});

export const mcpDoorSchema = mcpSchema
  .unwrap()
  .extend({
    grants: z.array(grantSchema).default([]).describe('Who may list and use which tools, prompts and resources; each grant names the kinds it grants. An identity no grant applies to has nothing (deny by default). Every grant that applies must allow a name: grants never union into the widest (docs/mcp.md).'),
    validators: z.array(validatorSchema).default([]).describe('Built-in argument checks per tool: paths inside roots, URL allow-lists, SQL effects, size limits.'),
    max_argument_bytes: z.number().int().positive().default(256 * 1024).describe('Largest JSON size of one tools/call\'s arguments, for every tool.'),
    session_idle_ms: z.number().int().positive().default(30 * 60_000).describe('A session no POST has used for this long is ended (Claude Code never sends DELETE).'),
    max_sessions: z.number().int().positive().default(10_000).describe('Most sessions held at once; past it the oldest session of the identity holding the most is ended.'),
    stream_buffer_bytes: z
      .number()
      .int()
      .min(16 * 1024)
      .default(1024 * 1024)
      .describe('Most bytes of server→client events held for one client that does not read them. Past it the GET stream is ended (the client may reopen it) and a POST\'s stream skips notifications until the client catches up (the answer is always sent): a slow client never grows Warden\'s memory.'),
    allowed_origins: z
      .array(z.string().refine(isOrigin, 'an origin as browsers send it: scheme://host[:port], no path and no trailing slash'))
      .default([])
      .describe('Browser origins allowed to call the endpoint, e.g. `https://inspector.example`. Any other `Origin` header gets 403 (DNS rebinding, cross-site): "Origin equals Host" is not enough, except for the endpoint\'s own loopback origin on a loopback listener. Requests without `Origin` (not a browser) pass.'),
    resource: z.string().url().optional().describe('Canonical URI of the MCP endpoint for the OAuth protected-resource metadata (RFC 9728) and the OIDC audience; default: derived from the request\'s Host.'),
    authorization_servers: z.array(z.string().url()).default([]).describe('OAuth authorization servers named in the protected-resource metadata (the OIDC issuers).'),
  })
  .prefault({})
  .describe('The MCP door (docs/mcp.md): upstream servers, tool grants, argument validators, sessions.');

export const mcpConfig = { mcp: mcpDoorSchema };

export type McpDoorConfig = z.output<typeof mcpDoorSchema>;
export type McpGrant = McpDoorConfig['grants'][number];
export type McpValidator = McpDoorConfig['validators'][number];
