import type { IncomingMessage } from 'node:http';
import type { AdminPermission, AdminPrincipal } from '../identity/admin-roles.js';
import { authenticateAdminKey, type AdminKeysConfig } from '../identity/admin-principal.js';

const HOW = 'send it as Authorization: Bearer or x-admin-key';

/** The admin key of a request, as Authorization: Bearer or x-admin-key. */
function presentedKey(req: IncomingMessage): string | undefined {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim() || undefined;
  const k = req.headers['x-admin-key'];
  return typeof k === 'string' && k ? k : undefined;
}

/** Who is calling the admin API; throws WARDEN_E_ADMIN_UNAUTHORIZED. No configured key → refuse all. */
export function authenticateAdmin(req: IncomingMessage, cfg: AdminKeysConfig, isVirtualKeyHash: (sha256: string) => boolean): AdminPrincipal {
  return authenticateAdminKey(presentedKey(req), cfg, { via: 'admin-api', howToSend: HOW, isVirtualKeyHash });
}

/** The permission an admin route needs; unknown routes need the permission of their method, then answer 404. */
export function permissionFor(method: string, resource: string | undefined, id: string | undefined): AdminPermission {
  if (resource === 'approvals') return method === 'GET' ? 'approvals.read' : 'approvals.decide';
  if (resource === 'policy' && id === 'explain') return 'policy.explain';
  return method === 'GET' || method === 'HEAD' ? 'config.read' : 'config.write';
}
