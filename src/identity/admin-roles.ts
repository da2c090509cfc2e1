/**
 * Who may do what on the admin side. A principal is a named human (or their tool) holding an
 * admin key (one role) or an OIDC identity (every role its groups map to); it may do what any
 * of its roles grants. Virtual keys (agents) are never principals.
 */
export const ADMIN_ROLES = ['admin', 'approver', 'auditor', 'viewer'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const ADMIN_PERMISSIONS = ['config.read', 'config.write', 'policy.explain', 'approvals.read', 'approvals.decide'] as const;
export type AdminPermission = (typeof ADMIN_PERMISSIONS)[number];

/**
 * approver sees and answers approvals and nothing else (it cannot change the policy that
 * names the approvers); auditor reads everything but changes nothing; viewer reads the
 * configuration, not the approvals (their summaries carry tool arguments and bodies).
 */
const GRANTS: Record<AdminRole, readonly AdminPermission[]> = {
  admin: ADMIN_PERMISSIONS,
  approver: ['approvals.read', 'approvals.decide'],
  auditor: ['config.read', 'policy.explain', 'approvals.read'],
  viewer: ['config.read'],
};

export interface AdminPrincipal {
  /** Configured name: recorded in the audit and on every approval it decides. */
  name: string;
  /** The first of admin, approver, auditor, viewer it holds: the one named in messages and recorded on approvals. */
  role: AdminRole;
  /**
   * Every role it holds (an OIDC identity in an approver group and an auditor group holds
   * both); absent: `role` alone. Permissions are the union.
   */
  roles?: readonly AdminRole[];
  /** Groups an approval's `approvers` may name. */
  groups: readonly string[];
  /** How the principal reached Warden. */
  via: 'admin-api' | 'cli';
  /** Set for an OIDC identity (src/identity/admin-oidc.ts): who it is at its IdP, and what its requests as a consumer carry. */
  oidc?: { issuer: string; subject: string; consumer: string; keyId: string };
}

export function roleGrants(role: AdminRole, permission: AdminPermission): boolean {
  return GRANTS[role].includes(permission);
}

export function rolesOf(p: Pick<AdminPrincipal, 'role' | 'roles'>): readonly AdminRole[] {
  return p.roles?.length ? p.roles : [p.role];
}

/** True when any role of the principal grants the permission. */
export function principalGrants(p: Pick<AdminPrincipal, 'role' | 'roles'>, permission: AdminPermission): boolean {
  return rolesOf(p).some((r) => roleGrants(r, permission));
}

/** Roles holding a permission, for error messages. */
export function rolesWith(permission: AdminPermission): AdminRole[] {
  return ADMIN_ROLES.filter((r) => roleGrants(r, permission));
}
