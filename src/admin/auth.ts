import type { IncomingMessage } from 'node:http';
import { WardenError, isWardenError } from '../core/errors.js';
import { oidcAdminPrincipal, oidcPrincipalName, refusedAs, type OidcIdentity, type OidcRoleRule } from '../identity/admin-oidc.js';
import type { AdminPermission, AdminPrincipal } from '../identity/admin-roles.js';
import { adminKeysConfigured, authenticateAdminKey, type AdminKeysConfig } from '../identity/admin-principal.js';
import { parseJwt } from '../identity/oidc/parse.js';
import { looksLikeJwt } from '../identity/oidc/verifier.js';

const HOW = 'send it as Authorization: Bearer or x-admin-key';

/** The admin key of a request, as Authorization: Bearer or x-admin-key. */
function presentedKey(req: IncomingMessage): string | undefined {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim() || undefined;
  const k = req.headers['x-admin-key'];
  return typeof k === 'string' && k ? k : undefined;
}

export interface AdminAuthConfig extends AdminKeysConfig {
  oidc_roles: readonly OidcRoleRule[];
  /** admin.oidc_audience: when set, a token must carry one of these in `aud`. */
  oidc_audience?: readonly string[] | undefined;
}

/** The `aud` of a token that already passed verification (so its payload is the issuer's). */
function audienceOf(token: string): string[] {
  const aud = parseJwt(token).payload.aud;
  return typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

/** Verifies an OIDC access token (identity.oidc); undefined when no issuer is configured. */
export type TokenVerifier = ((token: string) => OidcIdentity | Promise<OidcIdentity>) | undefined;

/**
 * An admin identity from an OIDC access token: verified like at every door (issuer,
 * signature, audience, expiry), then given the role its groups map to. A refused token is
 * 401 with the verifier's reason (never the token); a valid one without a role is 403.
 */
export async function authenticateAdminToken(token: string, cfg: AdminAuthConfig, verify: TokenVerifier, via: AdminPrincipal['via']): Promise<AdminPrincipal> {
  if (!cfg.oidc_roles.length) throw new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', 'an OIDC token was sent, but admin.oidc_roles maps no group to an admin role: OIDC identities are not admins here; use an admin key or configure admin.oidc_roles');
  if (!verify) throw new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', 'an OIDC token was sent, but no identity.oidc issuer is configured to verify it');
  let id: OidcIdentity;
  try {
    id = await verify(token);
  } catch (e) {
    if (!isWardenError(e)) throw e;
    throw new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', `OIDC token refused (${e.code}): ${e.message}`);
  }
  if (cfg.oidc_audience?.length) {
    const aud = audienceOf(token);
    if (!aud.some((a) => cfg.oidc_audience!.includes(a))) {
      const shown = aud.map((a) => a.slice(0, 200)).join(', ') || 'none';
      throw refusedAs(id, new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', `OIDC token of ${id.name} (${oidcPrincipalName(id.issuer, id.subject)}) was not issued for the admin API: its audience (${shown}) lacks admin.oidc_audience (${cfg.oidc_audience.join(', ')}); log in for that audience (\`warden login --resource ${cfg.oidc_audience[0]}\`)`));
    }
  }
  return oidcAdminPrincipal(id, cfg.oidc_roles, via);
}

/** Who is calling the admin API; throws WARDEN_E_ADMIN_UNAUTHORIZED. No configured key nor OIDC role → refuse all. */
export async function authenticateAdmin(req: IncomingMessage, cfg: AdminAuthConfig, isVirtualKeyHash: (sha256: string) => boolean, verify: TokenVerifier): Promise<AdminPrincipal> {
  const presented = presentedKey(req);
  // Shaped like a JWT: judged only as a token, never as an admin key.
  if (presented && looksLikeJwt(presented)) return authenticateAdminToken(presented, cfg, verify, 'admin-api');
  if (cfg.oidc_roles.length && !adminKeysConfigured(cfg)) {
    throw new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', `${presented ? 'not an OIDC access token, and no admin key is configured' : 'admin credential missing'}: send an OIDC access token (\`warden token\` after \`warden login\`) as Authorization: Bearer`);
  }
  if (!presented && cfg.oidc_roles.length) throw new WardenError('WARDEN_E_ADMIN_UNAUTHORIZED', `admin credential missing: send an admin key or an OIDC access token (\`warden token\`) as Authorization: Bearer`);
  return authenticateAdminKey(presented, cfg, { via: 'admin-api', howToSend: HOW, isVirtualKeyHash });
}

/** The permission an admin route needs; unknown routes need the permission of their method, then answer 404. */
export function permissionFor(method: string, resource: string | undefined, id: string | undefined): AdminPermission {
  if (resource === 'approvals') return method === 'GET' ? 'approvals.read' : 'approvals.decide';
  if (resource === 'policy' && id === 'explain') return 'policy.explain';
  return method === 'GET' || method === 'HEAD' ? 'config.read' : 'config.write';
}
