/**
 * An OIDC identity as an admin principal: its role comes from its groups through
 * `admin.oidc_roles` (bound per issuer). The principal's name is `oidc:<issuer>#<subject>`,
 * the one pair an IdP keeps stable and unique; it is what the audit and every approval it
 * decides record. The name the token would have as a consumer is kept apart, for the
 * check that nobody approves their own request.
 */
import { WardenError } from '../core/errors.js';
import { ADMIN_ROLES, type AdminPrincipal, type AdminRole } from './admin-roles.js';

export interface OidcIdentity {
  issuer: string;
  subject: string;
  /** The consumer name the token maps to (identity.oidc[].name_claim, prefix included). */
  name: string;
  /** Consumer groups of the token (after group_map). */
  groups: readonly string[];
  /** `oidc_…`: the key id the token's requests carry (a hash of issuer and subject). */
  keyId: string;
}

export interface OidcRoleRule {
  issuer: string;
  group: string;
  role: AdminRole;
}

export function oidcPrincipalName(issuer: string, subject: string): string {
  return `oidc:${issuer}#${subject}`;
}

/** The issuer and subject of an `oidc:<issuer>#<subject>` name (an issuer URL has no fragment, so the first `#` splits). */
export function parseOidcPrincipalName(name: string): { issuer: string; subject: string } | undefined {
  if (!name.startsWith('oidc:')) return undefined;
  const i = name.indexOf('#');
  return i < 0 ? undefined : { issuer: name.slice(5, i), subject: name.slice(i + 1) };
}

/** Every role a token's groups give at its own issuer, in the order admin, approver, auditor, viewer (empty: none). */
export function oidcRoles(id: Pick<OidcIdentity, 'issuer' | 'groups'>, rules: readonly OidcRoleRule[]): AdminRole[] {
  const granted = new Set(rules.filter((r) => r.issuer === id.issuer && id.groups.includes(r.group)).map((r) => r.role));
  return ADMIN_ROLES.filter((r) => granted.has(r));
}

/** The first role of `oidcRoles`, or undefined. */
export function oidcRole(id: Pick<OidcIdentity, 'issuer' | 'groups'>, rules: readonly OidcRoleRule[]): AdminRole | undefined {
  return oidcRoles(id, rules)[0];
}

/**
 * The groups an approval's `approvers` may match: only those `admin.oidc_roles` names for the
 * token's own issuer. Any other trusted issuer (a partner's, a CI's) writes whatever group names
 * it likes into its tokens; without this, one mapped to a mere approver role could claim the
 * group a rule reserves for the company's own approvers.
 */
export function oidcApproverGroups(id: Pick<OidcIdentity, 'issuer' | 'groups'>, rules: readonly OidcRoleRule[]): string[] {
  const bound = new Set(rules.filter((r) => r.issuer === id.issuer).map((r) => r.group));
  return id.groups.filter((g) => bound.has(g));
}

export function oidcAdminPrincipal(id: OidcIdentity, rules: readonly OidcRoleRule[], via: AdminPrincipal['via']): AdminPrincipal {
  const name = oidcPrincipalName(id.issuer, id.subject);
  const roles = oidcRoles(id, rules);
  const role = roles[0];
  if (!role) {
    const mapped = rules.filter((r) => r.issuer === id.issuer).map((r) => r.group);
    throw refusedAs(id, new WardenError(
      'WARDEN_E_ADMIN_FORBIDDEN',
      `${id.name} (${name}) has no admin role: none of their groups (${id.groups.join(', ') || 'none'}) is mapped in admin.oidc_roles for ${id.issuer}${mapped.length ? ` (mapped: ${mapped.join(', ')})` : ' (no entry for this issuer)'}`,
    ));
  }
  return { name, role, roles, groups: oidcApproverGroups(id, rules), via, oidc: { issuer: id.issuer, subject: id.subject, consumer: id.name, keyId: id.keyId } };
}

/** Who was refused a role: a verified identity, so the audit of the refusal can name it. */
const refused = new WeakMap<Error, { name: string; issuer: string; subject: string }>();

/** Marks a refusal as being about this verified identity (the audit of the refusal names it). */
export function refusedAs(id: Pick<OidcIdentity, 'issuer' | 'subject'>, e: WardenError): WardenError {
  refused.set(e, { name: oidcPrincipalName(id.issuer, id.subject), issuer: id.issuer, subject: id.subject });
  return e;
}

/** The verified OIDC identity an admin refusal was about, if it was one. */
export function refusedOidcIdentity(e: unknown): { name: string; issuer: string; subject: string } | undefined {
  return e instanceof Error ? refused.get(e) : undefined;
}
