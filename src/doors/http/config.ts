/**
 * The `routes` section: HTTP APIs Warden fronts (the APISIX route, seed 000). Composed into
 * the root schema by src/config/schema.ts; compiled once per config version (routes.ts).
 */
import { z } from 'zod';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const uriPattern = z
  .string()
  .regex(/^\/[A-Za-z0-9._~!$&'()+,;=:@\/-]*\*?$/, 'an absolute path, optionally ending in * for a prefix (`/api/*`)')
  .refine((s) => !/(^|\/)\.\.?(\/|\*?$)/.test(s) && !s.includes('//'), 'no dot segments or empty segments');

const nodeSchema = z.strictObject({
  host: z.string().min(1),
  // A string too: `${env:...}` references interpolate to strings.
  port: z.union([z.number(), z.string().regex(/^\d{1,5}$/).transform(Number)]).pipe(z.number().int().min(1).max(65535)),
  weight: z.number().int().min(0).max(10_000).default(1).describe('Share of requests under weighted round-robin; 0 takes none.'),
});

// APISIX writes nodes as `{"backend:8080": 1}`; a list of {host, port, weight} is also accepted.
const nodesSchema = z.union([
  z.record(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'host:port'), z.number().int().min(0).max(10_000)),
  z.array(nodeSchema).min(1),
]);

export const upstreamSchema = z.strictObject({
  type: z.literal('roundrobin').default('roundrobin'),
  scheme: z.enum(['http', 'https']).default('http'),
  nodes: nodesSchema.describe('Upstream nodes and their weights: `{"127.0.0.1:9000": 1}` or `[{host, port, weight}]`.'),
  pass_host: z.enum(['pass', 'node']).default('pass').describe('`pass` forwards the client Host; `node` sends the node address.'),
  timeout: z
    .strictObject({
      connect_ms: z.number().int().positive().default(6000),
      read_ms: z.number().int().positive().default(60_000).describe('Longest wait for the answer headers and between body chunks.'),
    })
    .prefault({}),
  connections: z.number().int().positive().default(64).describe('Keep-alive connections per node.'),
  passive_health: z
    .strictObject({
      failures: z.number().int().min(1).default(3).describe('Consecutive failures (connect error, timeout, 502/503/504) that take a node out.'),
      cooldown_ms: z.number().int().positive().default(10_000).describe('How long a failed node is skipped before it gets traffic again.'),
    })
    .prefault({}),
});

export const keyAuthSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('false makes the route public (no consumer; ACLs then answer 401).'),
    query: z.boolean().default(false).describe('Also accept the key in the `apikey` query parameter (it ends up in access logs of other hops: off by default).'),
  })
  .prefault({});

export const routeSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only, at most 64 characters'),
  uri: z.union([uriPattern, z.array(uriPattern).min(1)]).describe('Path or paths; a trailing `*` matches any rest (`/api/*`). Exact beats prefix, longer prefix beats shorter.'),
  methods: z.array(z.enum(METHODS)).default([]).describe('Allowed methods; empty: any.'),
  hosts: z
    .array(z.string().regex(/^(\*\.)?[A-Za-z0-9.-]+$/, 'a host name, or *.domain'))
    .default([])
    .describe('Host header values served; `*.example.com` matches subdomains; empty: any.'),
  upstream: upstreamSchema,
  key_auth: keyAuthSchema,
  hide_credentials: z.boolean().default(true).describe('Strip the client key headers (apikey, x-api-key, Authorization) and the apikey query parameter before the upstream; false passes the headers on as sent. A Warden key in any other query parameter or header is dropped or refused either way.'),
  policies: z.array(z.string().min(1)).default([]).describe('Named policies (`policy.policies`) attached to this route, besides `policy.attach.routes`.'),
  labels: z.record(z.string(), z.string()).default({}).describe('Free facts policies can read as `route.labels`.'),
  body_limit_bytes: z.number().int().positive().optional().describe('Largest request body on this route (default server.body_limit_bytes).'),
});

export const routesSchema = z.array(routeSchema).default([]).describe('HTTP API routes served by the http door (seed 000).');

export type RouteConfig = z.output<typeof routeSchema>;
export type UpstreamConfig = z.output<typeof upstreamSchema>;

/** The http door's sections of the root config. */
export const httpConfig = { routes: routesSchema };
