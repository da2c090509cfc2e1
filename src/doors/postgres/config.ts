/**
 * The `postgres` section: Warden's PostgreSQL door (seed 002). Composed into the root schema
 * by src/config/schema.ts. Secrets (upstream passwords, the TLS key) are usually
 * `${env:…}` / `${file:…}` references.
 */
import { z } from 'zod';
import { maskingSchema } from './mask/config.js';
import { statementPolicySchema } from './policy/config.js';
import { upstreamTlsProblems } from './upstream-tls.js';

const credentialSchema = z.strictObject({
  user: z.string().min(1).describe('Upstream role Warden logs in as.'),
  password: z.string().optional().describe('Its password (SCRAM-SHA-256, MD5 or cleartext, as the server asks); omit for trust auth.'),
});

const roleSchema = credentialSchema.extend({
  groups: z.array(z.string().min(1)).min(1).describe('Consumer groups served by this upstream role; the first role listing one of the consumer\'s groups wins.'),
});

export const postgresSchema = z
  .strictObject({
    listen: z
      .strictObject({
        host: z.string().default('127.0.0.1').describe('Address of the PostgreSQL door. Off loopback, clients must use TLS.'),
        port: z.number().int().min(0).max(65535).default(6432).describe('TCP port; 0 picks a free one.'),
      })
      .prefault({}),
    tls: z
      .strictObject({
        cert: z.string().describe('PEM certificate chain (a ${file:...} reference is usual).'),
        key: z.string().describe('PEM private key.'),
      })
      .optional()
      .describe('Certificate for SSLRequest. Without it, a door listening on loopback makes a self-signed one (see `self_signed_tls`); otherwise clients are told `N` (no TLS), which only loopback clients may accept.'),
    self_signed_tls: z
      .boolean()
      .default(true)
      .describe('Without `tls`, on a loopback listener: generate a self-signed certificate (with openssl, kept in `postgres-tls/` beside the audit folder, key mode 0600) so `sslmode=require` works for the quick start. `false`: answer SSLRequest with `N`.'),
    require_tls: z
      .enum(['off_loopback', 'always'])
      .default('off_loopback')
      .describe('`off_loopback`: clients not on 127.0.0.1/::1 must use TLS; `always`: every client must.'),
    upstream: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(1).max(65535).default(5432),
        database: z.string().optional().describe('Database Warden connects to; omit to use the one the client names (see `databases`).'),
        user: z.string().min(1).describe('Default upstream role, for consumers whose groups match no entry of `roles`.'),
        password: z.string().optional(),
        connect_timeout_ms: z.number().int().positive().default(5000).describe('Longest Warden waits to connect, finish TLS and log in upstream.'),
        tls: z
          .strictObject({
            mode: z
              .enum(['disable', 'require', 'verify-ca', 'verify-full'])
              .optional()
              .describe("libpq's sslmode: `disable` plaintext; `require` encrypted, the server not verified; `verify-ca` the certificate chains to `ca`; `verify-full` and its name is `server_name`. Default: `disable` when `host` is loopback (127.0.0.0/8, ::1, localhost), `verify-full` otherwise."),
            ca: z.string().optional().describe('PEM CA certificate(s) the server\'s certificate must chain to (a ${file:...} reference is usual); default: Node\'s root certificates.'),
            server_name: z.string().min(1).optional().describe('Name the certificate must carry (verify-full) and the SNI sent; default: `host`.'),
            allow_plaintext: z.boolean().default(false).describe('Allow `mode: disable` to a host that is not loopback (a private network you trust). Without it such a config is refused: the hop carries Warden\'s database credential and every row.'),
          })
          .prefault({})
          .describe('TLS on Warden\'s hop to PostgreSQL (docs/postgres.md#upstream-login).'),
      })
      .superRefine((u, ctx) => {
        for (const p of upstreamTlsProblems(u.host, u.tls)) ctx.addIssue({ code: 'custom', path: ['tls', p.path], message: p.message });
      })
      .describe('The PostgreSQL server. The credentials never reach the client.'),
    roles: z.array(roleSchema).default([]).describe('Consumer groups mapped to upstream roles (e.g. data-reader → a read-only role).'),
    default_role: z
      .enum(['upstream', 'refuse'])
      .default('upstream')
      .describe('A consumer whose groups match no `roles` entry: `upstream` uses upstream.user, `refuse` refuses the login.'),
    databases: z.array(z.string().min(1)).default([]).describe('Databases a client may name; empty: any.'),
    startup_timeout_ms: z.number().int().positive().default(10_000).describe('Longest a client may take from connecting to sending its password.'),
    max_startup_bytes: z.number().int().min(64).max(1_048_576).default(10_000).describe('Largest startup packet accepted.'),
    max_message_bytes: z.number().int().min(1024).default(16 * 1024 * 1024).describe('Largest client message accepted (a query, a Bind, a COPY chunk).'),
    statements: statementPolicySchema,
    masking: maskingSchema,
  })
  .describe('The PostgreSQL door (docs/postgres.md): agents connect here instead of the database.');

export type PostgresConfig = z.output<typeof postgresSchema>;
