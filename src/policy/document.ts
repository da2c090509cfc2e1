/**
 * The decision document: the one shape every door hands to the policy engine, so one rule
 * can cover many doors. docs/decision.schema.json is generated from `documentSchema`
 * (`warden policy schema`); a test fails when the file drifts.
 */
import { z } from 'zod';
import { SQL_EFFECTS } from '../doors/postgres/sql/effects.js';
import { holdsWardenKey } from '../doors/shared/upstream-credentials.js';

const name = z.string().min(1);

const consumerFacts = z
  .strictObject({
    name: name.describe('Consumer name (`consumers[].name`).'),
    groups: z.array(z.string()).default([]),
    labels: z.record(z.string(), z.string()).default({}).describe('Free labels; permission levels are `level: sandbox|staging|production`.'),
    models: z.array(z.string()).default([]).describe('Model globs the consumer may use; empty: no restriction.'),
  })
  .describe('Who is asking (never their keys).');

const keyFacts = z
  .strictObject({
    id: name.describe('Key id (`key_…`), never the key itself.'),
    models: z.array(z.string()).default([]).describe('Model globs the key may use; empty: no restriction.'),
  })
  .describe('The virtual key used, by id.');

const queryValue = z.union([z.string(), z.array(z.string())]);

const requestFacts = z
  .strictObject({
    scheme: z.enum(['http', 'https']).default('http'),
    method: z.string().default('GET'),
    host: z.string().default(''),
    port: z.number().int().min(0).max(65535).default(0),
    path: z.string().default('/'),
    query: z.record(z.string(), queryValue).default({}),
    headers: z.record(z.string(), z.string()).default({}).describe('Lower-case names; credential headers are removed before the engine sees them.'),
    body: z.unknown().optional().describe('Parsed JSON body (or text) — only filled when `needsBody` of the compiled policy is true.'),
    body_size: z.number().int().min(0).optional().describe('Size of the raw body in bytes.'),
  })
  .describe('The protocol request as seen at the door.');

const connectionFacts = z
  .strictObject({
    remote_addr: z.string().default(''),
    remote_port: z.number().int().min(0).max(65535).default(0),
    server_addr: z.string().default(''),
    server_port: z.number().int().min(0).max(65535).default(0),
  })
  .describe('The TCP connection the request came on.');

const routeFacts = z
  .looseObject({ id: name.describe('Route or backend id: policies attach to it under `policy.attach.routes`.') })
  .describe('The route (http door), MCP server, database or provider that serves the request; other fields are free facts (uri, labels).');

const llmFacts = z
  .strictObject({
    provider: z.string().default(''),
    model: name,
    stream: z.boolean().default(false),
    tools: z.array(z.string()).default([]).describe('Names of the tools offered to the model.'),
  })
  .describe('LLM door: the model call.');

const toolFacts = z
  .strictObject({
    server: z.string().nullable().default(null).describe('MCP server name; null for agent-local tools (Bash, Read, …).'),
    name: name.describe('Tool name as the agent or MCP server knows it (`Bash`, `mcp__github__create_issue`, `create_issue`).'),
    arguments: z.record(z.string(), z.unknown()).default({}),
    cwd: z.string().optional().describe('Working directory of the agent (hook door), for path rules.'),
  })
  .describe('MCP and hook doors: the tool call.');

const sqlStatement = z.strictObject({
  kind: z.string().describe('The most consequential operation: select, insert, update, delete, merge, select_into, select_for_update, copy_to, copy_from, drop_table, set_role, do, call, function:<name>, … (docs/postgres-policy.md).'),
  effect: z
    .enum(SQL_EFFECTS)
    .optional()
    .describe('Class by the most consequential effect; the PostgreSQL door always sets it (docs/postgres-policy.md#effects).'),
  tables: z.array(z.string()).default([]),
  functions: z.array(z.string()).default([]),
  operations: z.array(z.string()).optional().describe('Every operation found in the statement tree (`select`, `delete` for a deleting CTE).'),
  text: z.string().optional().describe('The statement text, exactly as sent.'),
  reason: z.string().optional().describe('Why the statement is blocked or restricted.'),
});

const sqlFacts = z
  .strictObject({
    statements: z.array(sqlStatement),
    database: z.string().optional().describe('Database the session is connected to.'),
    params: z.array(z.string().nullable()).optional().describe('Bind parameter values (text form) of an extended-protocol execution; approvals are bound to them.'),
    grant: z
      .strictObject({ id: name, role: name, expires: z.number().int().describe('ms since the epoch') })
      .nullable()
      .optional()
      .describe('The just-in-time grant the consumer holds for this session, if any.'),
  })
  .describe('Postgres door: the statements of the query; MCP door: the statements of the SQL arguments a `sql` validator checked (mcp.validators).');

export const documentSchema = z
  .strictObject({
    door: z.enum(['llm', 'http', 'mcp', 'postgres', 'hook', 'admin']),
    time: z.number().int().describe('When the request arrived, ms since the epoch. CEL sees it as a timestamp.'),
    consumer: consumerFacts.nullable().default(null),
    key: keyFacts.nullable().default(null),
    request: requestFacts.nullable().default(null),
    connection: connectionFacts.nullable().default(null),
    route: routeFacts.nullable().default(null),
    service: z.looseObject({ id: name }).nullable().default(null).describe('The service (group of routes) the route belongs to, if any.'),
    llm: llmFacts.nullable().default(null),
    tool: toolFacts.nullable().default(null),
    sql: sqlFacts.nullable().default(null),
    session: z.strictObject({ id: name }).nullable().default(null).describe('Agent session (e.g. x-claude-code-session-id): a correlation id, not an identity.'),
  })
  .describe('Warden decision document: what the policy engine knows about one request, whatever the door.');

export type DecisionDocument = z.output<typeof documentSchema>;
export type DecisionDocumentInput = z.input<typeof documentSchema>;
export type DoorFacts = DecisionDocument['door'];

/** Parses and fills defaults; throws a ZodError naming the bad field. */
export function parseDocument(raw: unknown): DecisionDocument {
  return documentSchema.parse(raw);
}

/** The JSON Schema of the decision document, as written to docs/decision.schema.json. */
export function documentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(documentSchema, { io: 'input' }) as Record<string, unknown>;
}

/**
 * Headers that carry a client credential. They never reach a policy (threat: leaking a key
 * to an external OPA server or into an explain dump).
 */
export const CREDENTIAL_HEADER_NAMES: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'apikey', 'cookie']);
/** Query parameters that carry a client credential (APISIX key-auth reads `apikey`). */
export const CREDENTIAL_QUERY_NAMES: ReadonlySet<string> = new Set(['apikey', 'api_key', 'key']);

/** Lower-cased copy of `headers` without credential headers (and without the extra names given). */
export function withoutCredentials(headers: Record<string, string | string[] | undefined>, extra?: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    const lower = k.toLowerCase();
    if (CREDENTIAL_HEADER_NAMES.has(lower) || extra?.has(lower)) continue;
    out[lower] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Copy of a query map without credential parameters, nor any parameter that carries a Warden key (`?token=wdn_…`). */
export function queryWithoutCredentials(query: Record<string, string | string[]>): Record<string, string | string[]> {
  let out: Record<string, string | string[]> | undefined;
  for (const k in query) {
    const v = query[k]!;
    if (CREDENTIAL_QUERY_NAMES.has(k.toLowerCase()) || (Array.isArray(v) ? v.some(holdsWardenKey) : holdsWardenKey(v))) {
      out ??= { ...query };
      delete out[k];
    }
  }
  return out ?? query;
}

/** The tool name permission rules match: `mcp__server__tool` for MCP tools, the bare name (Bash, Read) otherwise. */
export function permissionToolName(tool: NonNullable<DecisionDocument['tool']>): string {
  if (tool.name.startsWith('mcp__') || !tool.server) return tool.name;
  return `mcp__${tool.server}__${tool.name}`;
}
