/**
 * The one config schema: TypeScript types, runtime validation, the JSON Schema in
 * docs/config.schema.json and the admin API all derive from it. Sections owned by other
 * folders (policy, guards, limits, and each door's through the door registry) are defined there and composed here.
 */
import { z } from 'zod';
import { doorConfigSections } from '../doors/config-sections.js';
import { httpLoggerSchema } from '../httplog/config.js';
import { policySchema } from '../policy/config.js';
import { guardsSchema } from '../guards/config.js';
import { limitsSchema } from '../limits/config.js';
import { ADMIN_KEY_SHA256, adminKeysSchema, adminOidcAudienceSchema, adminOidcRolesSchema } from '../admin/config.js';
import { identitySchema } from '../identity/oidc/config.js';

const tlsSchema = z
  .strictObject({
    cert: z.string().describe('PEM certificate chain (a ${file:...} reference is usual).'),
    key: z.string().describe('PEM private key (a ${file:...} reference is usual).'),
  })
  .describe('Serve this listener over TLS.');

const listenerSchema = z.strictObject({
  host: z.string().default('127.0.0.1').describe('Address to bind. 127.0.0.1 by default: exposing Warden is a decision.'),
  port: z.number().int().min(0).max(65535).describe('TCP port; 0 picks a free one.'),
  tls: tlsSchema.optional(),
});

const serverSchema = listenerSchema
  .extend({
    port: listenerSchema.shape.port.default(8080),
    body_limit_bytes: z.number().int().positive().default(32 * 1024 * 1024).describe('Largest request body accepted; larger ones get 413.'),
    body_timeout_ms: z.number().int().positive().default(30_000).describe('Time a client may take to send its whole body before it gets 408.'),
    headers_timeout_ms: z.number().int().positive().default(20_000).describe('Time a client may take to send its request headers.'),
    keep_alive_timeout_ms: z.number().int().positive().default(65_000),
  })
  .prefault({});

const adminSchema = listenerSchema
  .extend({
    port: listenerSchema.shape.port.default(8081),
    enabled: z.boolean().default(true),
    key_sha256: ADMIN_KEY_SHA256.optional().describe('SHA-256 of the admin key (role admin, named `admin`). Without it and without `keys` the admin API answers 401 to everything.'),
    keys: adminKeysSchema,
    oidc_roles: adminOidcRolesSchema,
    oidc_audience: adminOidcAudienceSchema,
  })
  .superRefine((a, ctx) => {
    const i = a.keys.findIndex((k) => k.key_sha256 === a.key_sha256);
    if (i !== -1) ctx.addIssue({ code: 'custom', path: ['keys', i, 'key_sha256'], message: 'this key is already admin.key_sha256; give each holder their own key' });
    const j = a.key_sha256 ? a.keys.findIndex((k) => k.name === 'admin') : -1;
    if (j !== -1) ctx.addIssue({ code: 'custom', path: ['keys', j, 'name'], message: '"admin" names the holder of admin.key_sha256; pick another name' });
  })
  .prefault({})
  .describe('The admin API, on its own listener: virtual keys are never accepted there.');

const consumerSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'letters, digits and _ . @ - only, at most 128 characters'),
  groups: z.array(z.string().min(1)).default([]),
  labels: z.record(z.string(), z.string()).default({}).describe('Free labels such as `level: staging`; policies match them.'),
  models: z.array(z.string().min(1)).default([]).describe('Model names or globs this consumer may use; empty: any routed model.'),
});

const storeSchema = z
  .discriminatedUnion('driver', [
    z.strictObject({ driver: z.literal('sqlite'), path: z.string().default('.warden/warden.db') }),
  ])
  .prefault({ driver: 'sqlite' });

const auditSchema = z
  .strictObject({
    dir: z.string().default('.warden/audit').describe('Folder of the append-only, hash-chained audit files.'),
    max_file_bytes: z.number().int().positive().default(64 * 1024 * 1024).describe('Rotate to a new file past this size; the chain continues.'),
    capture_bodies: z.boolean().default(false).describe('Opt-in: store request and response bodies (redacted, truncated) in audit records.'),
    capture_max_bytes: z.number().int().positive().default(16 * 1024),
    hmac_key: z.string().min(16).optional().describe('The HMAC-SHA-256 key of the hash chain (use ${env:WARDEN_AUDIT_KEY}). When unset, the key is read from `key_file`, generated there on the first start. Without the key, whoever can write the audit files cannot forge a record that verifies; with it, they can (docs/audit.md).'),
    key_file: z.string().min(1).optional().describe('File holding the audit HMAC key when `hmac_key` is unset; default: the audit folder\'s path + `.key` (`.warden/audit.key`). Must be outside `dir`; created once with mode 0600 and never replaced; refused if other users can read it. `audit verify` needs the same key.'),
    fsync: z.enum(['never', 'always']).default('never').describe('`always` survives power loss but for the records of the last event-loop turn, at the cost of one fsync per turn; `never` survives kill -9 (the OS has the data).'),
  })
  .prefault({});

const loggingSchema = z
  .strictObject({
    level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    server: serverSchema,
    admin: adminSchema,
    store: storeSchema,
    audit: auditSchema,
    logging: loggingSchema,
    // Each door's own sections (providers, models, routes, …), from its folder, in registry order.
    ...doorConfigSections,
    consumers: z.array(consumerSchema).default([]).describe('Consumers declared in config; more can be created in the store.'),
    identity: identitySchema,
    policy: policySchema,
    guards: guardsSchema.describe('Detectors on requests and answers (secrets, PII, custom patterns, the prompt guard) and the tool-use guard (docs/guards.md).'),
    limits: limitsSchema,
    http_logger: httpLoggerSchema.optional(),
    bootstrap_key: z
      .boolean()
      .default(true)
      .describe('On a first start with an empty store, create consumer `local-dev` and print one key.'),
  })
  .describe('Warden configuration (warden.yaml).');

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ProviderConfig = Config['providers'][string];
export type ConsumerConfig = Config['consumers'][number];
