import type { IncomingMessage, ServerResponse } from 'node:http';
import { WardenError, asWardenError } from '../core/errors.js';
import { readJson as readStrictJson } from '../core/json/read.js';
import { readBody } from '../doors/shared/body.js';
import type { Gateway } from '../runtime/gateway.js';
import { askPrimaryForMetrics } from '../runtime/workers/ipc-metrics.js';
import { workerSlot } from '../runtime/workers/slot.js';
import { approvalsApi, auditUnauthenticatedDecide, isDecideCall } from './approvals-api.js';
import { adminCallExchange, writeRecordBeforeEnd } from './audit-call.js';
import { auditUnauthenticatedRefusal } from './refusal-budget.js';
import { authenticateAdmin, permissionFor } from './auth.js';
import { requirePermission } from '../identity/admin-principal.js';
import { refusedOidcIdentity } from '../identity/admin-oidc.js';
import type { AdminPrincipal } from '../identity/admin-roles.js';
import { explainRequest } from './explain-api.js';
import { grantsApi } from './grants-api.js';
import { createKeyFromInput, publicKey, rotateKeyById } from './keys-api.js';
import * as items from './overlay-resource.js';
import type { ConfigControl } from './overlay-write.js';
import { policiesResource } from './policies-api.js';
import { routesResource } from './routes-api.js';
import { sendAdminError, sendJson } from './respond.js';

const NAME = /^[A-Za-z0-9_.@-]{1,128}$/;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, 1024 * 1024, 10_000);
  if (body.length === 0) return {};
  const v = readStrictJson(body, { syntaxCode: 'WARDEN_E_ADMIN_BAD_INPUT', what: 'body' });
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'body: must be a JSON object');
  return v as Record<string, unknown>;
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', `${field}: must be an array of strings`);
  return v;
}

function labels(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'labels: must be an object of string values');
  }
  return v as Record<string, string>;
}

/**
 * The admin listener: metrics and health without auth; everything under /admin needs an
 * admin key whose role grants the call (src/identity/admin-roles.ts). Keys and consumers
 * written here are persisted in the store and take effect on the next request; routes and policies are persisted in the store's config overlay and
 * swap in a new snapshot at once (`control`).
 */
export function createAdminHandler(gw: Gateway, control?: ConfigControl) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const start = Date.now();
    const startHr = process.hrtime.bigint();
    let principal: AdminPrincipal | undefined;
    let errorCode: string | undefined;
    let refused: ReturnType<typeof refusedOidcIdentity>;
    let selfAudited = path === '/healthz' || path === '/metrics';
    const audit = writeRecordBeforeEnd(res, () => {
      // Unauthenticated refusals are audited within a budget (refusal-budget.ts): the admin port must not be a disk filler.
      if (!selfAudited && (principal || refused || auditUnauthenticatedRefusal(gw))) gw.finish(adminCallExchange({ method, path, start, startHr, principal, refused, status: res.statusCode, errorCode }));
    });
    try {
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (path === '/metrics') {
        // Under --workers N, the merged metrics of every worker (ipc-metrics.ts), not this one's.
        const text = workerSlot() === undefined ? gw.metrics.registry.render() : await askPrimaryForMetrics();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const parts = path.split('/').filter(Boolean);
      const [, resource, id, action] = parts;
      const store = gw.store;
      // Answers to approvals are audited as approval events, with the approval's facts.
      selfAudited = parts[0] === 'admin' && resource === 'approvals' && isDecideCall(method, id, action);
      try {
        const verifier = gw.identity.oidcVerifier;
        principal = await authenticateAdmin(req, gw.current().config.admin, (sha256) => store.getKeyByHash(sha256) !== undefined, verifier && ((t: string) => verifier.verify(t)));
      } catch (e) {
        // A verified identity without a role is named in the approval's trail; an anonymous
        // attempt is not (it would let anyone grow the table): it is audited like any refusal.
        if (selfAudited && refusedOidcIdentity(e)) await auditUnauthenticatedDecide(gw, id!, action as 'approve' | 'deny', e);
        else selfAudited = false;
        throw e;
      }
      if (parts[0] !== 'admin') throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no admin resource at ${path}`);
      if (resource === 'approvals') return await approvalsApi(gw, principal, { method, url, id, action, readJson: () => readJson(req) }, res);
      requirePermission(principal, permissionFor(method, resource, id));

      if (resource === 'keys') {
        if (!id && method === 'GET') return sendJson(res, 200, { keys: store.listKeys(url.searchParams.get('consumer') ?? undefined).map(publicKey) });
        if (!id && method === 'POST') {
          const created = createKeyFromInput(store, await readJson(req), (n) => gw.identity.consumer(n) !== undefined);
          return sendJson(res, 201, { key: created.key, ...publicKey(created.record), note: 'the key is shown once; store it now' });
        }
        if (id && !action && method === 'GET') {
          const k = store.getKey(id);
          if (!k) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `key ${id} does not exist`);
          return sendJson(res, 200, publicKey(k));
        }
        if (id && ((action === 'revoke' && method === 'POST') || (!action && method === 'DELETE'))) {
          if (!store.revokeKey(id, Date.now())) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `key ${id} does not exist or is already revoked`);
          return sendJson(res, 200, publicKey(store.getKey(id)!));
        }
        if (id && action === 'rotate' && method === 'POST') {
          const body = await readJson(req);
          const created = rotateKeyById(store, id, typeof body.grace === 'string' ? body.grace : undefined);
          return sendJson(res, 201, { key: created.key, ...publicKey(created.record), note: 'the key is shown once; store it now' });
        }
      }

      if (resource === 'consumers') {
        if (!id && method === 'GET') {
          const fromConfig = gw.current().consumers.map((c) => ({ ...c, source: 'config' }));
          const stored = store.listConsumers().filter((c) => !fromConfig.some((f) => f.name === c.name)).map((c) => ({ name: c.name, groups: c.groups, labels: c.labels, models: c.models, source: 'store' }));
          return sendJson(res, 200, { consumers: [...fromConfig, ...stored] });
        }
        if (id && method === 'GET') {
          const c = gw.identity.consumer(id);
          if (!c) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `consumer ${id} does not exist`);
          return sendJson(res, 200, c);
        }
        if (id && method === 'PUT') {
          if (!NAME.test(id)) throw new WardenError('WARDEN_E_ADMIN_BAD_INPUT', 'name: letters, digits and _ . @ - only, at most 128 characters');
          const b = await readJson(req);
          const c = store.upsertConsumer({ name: id, groups: strings(b.groups, 'groups'), labels: labels(b.labels), models: strings(b.models, 'models') });
          return sendJson(res, 200, { name: c.name, groups: c.groups, labels: c.labels, models: c.models });
        }
        if (id && method === 'DELETE') {
          if (!store.deleteConsumer(id)) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `consumer ${id} does not exist in the store`);
          for (const k of store.listKeys(id)) if (k.revokedAt === null) store.revokeKey(k.id, Date.now());
          return sendJson(res, 200, { deleted: id });
        }
      }

      if ((resource === 'routes' || resource === 'policies') && control && !action) {
        const def = resource === 'routes' ? routesResource : policiesResource;
        const ctx = { store, control, live: () => gw.current().config };
        let a: items.Answer | undefined;
        if (!id && method === 'GET') a = items.list(def, ctx);
        else if (!id && method === 'POST') a = items.create(def, ctx, await readJson(req));
        else if (id && method === 'GET') a = items.get(def, ctx, id);
        else if (id && method === 'PUT') a = items.put(def, ctx, id, await readJson(req));
        else if (id && method === 'DELETE') a = items.remove(def, ctx, id);
        if (a) return sendJson(res, a.status, a.body);
      }

      if (resource === 'grants' && (await grantsApi(gw.grants, principal, { method, url, id, action, readJson: () => readJson(req) }, res))) return;

      if (resource === 'policy' && id === 'explain' && !action && method === 'POST') {
        return sendJson(res, 200, await explainRequest(gw, await readJson(req)));
      }

      if (resource === 'usage' && method === 'GET') {
        return sendJson(res, 200, { usage: store.usage({ since: url.searchParams.get('since') ?? undefined, consumer: url.searchParams.get('consumer') ?? undefined }) });
      }
      throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no admin resource for ${method} ${path}`);
    } catch (e) {
      errorCode = asWardenError(e).code;
      refused = refusedOidcIdentity(e);
      sendAdminError(res, e);
    } finally {
      // Already written by res.end when the call was answered.
      audit();
    }
  };
}
