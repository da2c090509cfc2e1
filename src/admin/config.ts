/** Admin identities in the config: named admin keys, each with one role (src/identity/admin-roles.ts). */
import { z } from 'zod';
import { ADMIN_ROLES } from '../identity/admin-roles.js';

export const ADMIN_KEY_SHA256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 of the admin key (`warden admin-key` prints one)');

const adminKeySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'letters, digits and _ . @ - only, at most 128 characters')
    .describe('Who holds the key: recorded in the audit and on every approval they decide. Must not be the name of a consumer whose requests they approve.'),
  key_sha256: ADMIN_KEY_SHA256.describe('SHA-256 of the key (`warden admin-key` prints a new key and its hash).'),
  role: z.enum(ADMIN_ROLES).describe('admin: everything; approver: list and answer approvals; auditor: read everything, change nothing; viewer: read routes, policies, consumers, keys and usage.'),
  groups: z.array(z.string().min(1)).default([]).describe('Groups a policy rule\'s `approvers` may name (e.g. `platform-team`).'),
});

export const adminKeysSchema = z
  .array(adminKeySchema)
  .default([])
  .superRefine((keys, ctx) => {
    const names = new Set<string>();
    const hashes = new Set<string>();
    keys.forEach((k, i) => {
      if (names.has(k.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `admin key name "${k.name}" is used twice; each holder needs their own name` });
      if (hashes.has(k.key_sha256)) ctx.addIssue({ code: 'custom', path: [i, 'key_sha256'], message: 'the same key is listed twice; give each holder their own key' });
      names.add(k.name);
      hashes.add(k.key_sha256);
    });
  })
  .describe('Named admin keys with roles, besides `key_sha256` (which is role admin, name `admin`).');

export type AdminKeyConfig = z.output<typeof adminKeySchema>;

/**
 * Admin roles of OIDC identities. Bound to one issuer each: a group name means something only
 * at the IdP that manages it, so a second trusted issuer (a partner's, a CI's) whose tokens
 * carry a group of the same name gets no admin role from this entry.
 */
const oidcRoleSchema = z.strictObject({
  issuer: z.string().url().describe('The issuer of the tokens this entry applies to: one of `identity.oidc[].issuer`, written the same way.'),
  group: z.string().min(1).describe('A consumer group of the token (its groups claim after that issuer\'s `group_map`), e.g. `warden-approvers`.'),
  role: z.enum(ADMIN_ROLES).describe('The admin role a member of the group gets. Someone in several mapped groups holds every role they map to (permissions are the union); the first of admin, approver, auditor, viewer names them. Only groups named here for the token\'s issuer can match an approval\'s `approvers`.'),
});

export const adminOidcRolesSchema = z
  .array(oidcRoleSchema)
  .default([])
  .describe('Admin roles from OIDC groups: a bearer token of an `identity.oidc` issuer is an admin identity (the admin API, `warden approvals approve` and `deny`) when one of its groups is mapped here; no entry: OIDC tokens get no admin role.');

export type AdminOidcRole = z.output<typeof oidcRoleSchema>;

/**
 * The audience a token must carry to be an admin identity. Without it, the token a developer's
 * agent uses at the doors (`warden token`, which the agent can run itself) is also an admin
 * credential for that developer's role.
 */
export const adminOidcAudienceSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .optional()
  .describe('Audience (`aud`) an OIDC token must carry to be accepted on the admin API and by `warden approvals approve` and `warden approvals deny` — an API identifier of its own, e.g. `https://warden.example.com/admin`, also listed in that issuer\'s `identity.oidc[].audience`. Unset: any token verified for `identity.oidc` may carry an admin role, including the one an agent uses (docs/identity.md).');
