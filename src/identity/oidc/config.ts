/**
 * The `identity.oidc` config part: the OpenID Providers whose access tokens Warden accepts
 * in place of a virtual key, and how their claims become a consumer. Composed into the root
 * schema by src/config/schema.ts.
 */
import { z } from 'zod';

/**
 * Asymmetric algorithms only. `none` and the HMAC family are not even expressible: an HMAC
 * "verified" with a published key is the key-confusion attack (RFC 8725 §2.1, §3.1).
 */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

/** Plain http only to this machine: keys fetched over the network without TLS could be swapped in transit. */
export function isHttpsOrLoopback(u: string): boolean {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]');
}

const httpUrl = z
  .string()
  .url()
  .refine(isHttpsOrLoopback, 'an https URL (plain http only for 127.0.0.1, localhost or [::1])');

const labelRuleSchema = z.strictObject({
  group: z.string().min(1).describe('An IdP group (after reading `groups_claim`, before `group_map`).'),
  labels: z.record(z.string().min(1).max(64), z.string().max(256)).describe('Labels the consumer gets when the token carries the group, e.g. `level: staging`.'),
});

export const oidcIssuerSchema = z
  .strictObject({
    issuer: httpUrl.describe('The issuer identifier, exactly as the IdP writes it in `iss` and in its discovery document (trailing slash included or not, as the IdP does).'),
    audience: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .describe('Accepted `aud` values (any one must appear in the token): the API identifier the IdP issues tokens for, e.g. `https://warden.example.com` or `api://<app-id>`.'),
    algorithms: z.array(z.enum(OIDC_ALGORITHMS)).min(1).default(['RS256', 'ES256', 'PS256', 'EdDSA']).describe('Signature algorithms accepted; asymmetric only.'),
    clock_skew_seconds: z.number().int().min(0).max(300).default(30).describe('Tolerance on `exp`, `nbf` and `iat`, at most 5 minutes.'),
    typ: z
      .string()
      .min(1)
      .optional()
      .describe('When set, the token header must carry this `typ` (`at+jwt` for RFC 9068 tokens). Unset: a `typ` other than `JWT` or `at+jwt` is refused (an ID token or logout token is not an access token).'),
    jwks_uri: httpUrl.optional().describe('JWKS location; unset: read from `<issuer>/.well-known/openid-configuration`.'),
    name_claim: z.string().min(1).default('sub').describe('Claim that names the consumer (`sub`, `email`, `preferred_username`, `oid`...). Dots read nested claims.'),
    groups_claim: z.string().min(1).default('groups').describe('Claim holding the groups: a string array, a space-separated string, or a nested path such as `realm_access.roles`. Missing: no groups.'),
    group_map: z
      .record(z.string().min(1), z.array(z.string().min(1)))
      .default({})
      .describe('IdP group → consumer groups (e.g. an Entra group GUID → `data-reader`). Unmapped IdP groups pass through unchanged unless `only_mapped_groups`.'),
    only_mapped_groups: z.boolean().default(false).describe('Drop IdP groups that `group_map` does not name.'),
    groups: z.array(z.string().min(1)).default([]).describe('Consumer groups every token of this issuer gets.'),
    labels: z.record(z.string().min(1).max(64), z.string().max(256)).default({}).describe('Labels every token of this issuer gets (label rules may override).'),
    label_rules: z.array(labelRuleSchema).default([]).describe('Labels from IdP groups, applied in order (a later rule wins on the same label).'),
    consumer_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.@:-]{0,32}$/, 'letters, digits and _ . @ : - only, at most 32 characters')
      .default('')
      .describe('Prepended to the consumer name, so that names from two issuers (or from keys) cannot collide, e.g. `okta:`.'),
    models: z.array(z.string().min(1)).default([]).describe('Model names or globs tokens of this issuer may use; empty: any routed model.'),
    jwks_refresh_min_seconds: z.number().int().min(1).max(3600).default(30).describe('Least time between two JWKS fetches caused by unknown `kid`s: a flood of forged kids cannot hammer the IdP.'),
    jwks_max_age_seconds: z.number().int().min(60).max(86_400).default(3600).describe('Re-read the JWKS in the background when the cached copy is older than this (keys the IdP removed stop verifying).'),
    fetch_timeout_ms: z.number().int().min(100).max(60_000).default(5000).describe('Timeout of one discovery or JWKS request.'),
  })
  .describe('One trusted OpenID Provider.');

export const identitySchema = z
  .strictObject({
    oidc: z
      .array(oidcIssuerSchema)
      .default([])
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((i, n) => {
          if (seen.has(i.issuer)) ctx.addIssue({ code: 'custom', path: [n, 'issuer'], message: `issuer ${i.issuer} is listed twice` });
          seen.add(i.issuer);
        });
      })
      .describe('OpenID Providers whose JWT access tokens are accepted wherever a virtual key is (docs/identity.md).'),
  })
  .prefault({})
  .describe('Sources of identity besides virtual keys.');

export type OidcIssuerConfig = z.output<typeof oidcIssuerSchema>;
export type IdentityConfig = z.output<typeof identitySchema>;
