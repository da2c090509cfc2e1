/** `warden consumers add|list|remove`: consumers kept in the store (config consumers are edited in the file). */
import { WardenError } from '../core/errors.js';
import { openExistingStore, type CliIO, type StoreContext } from './context.js';
import { splitList } from './keys.js';

function labelsOf(list: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const l of list) {
    const i = l.indexOf('=');
    if (i < 1) throw new WardenError('WARDEN_E_USAGE', `--label ${l}: expected key=value`);
    labels[l.slice(0, i)] = l.slice(i + 1);
  }
  return labels;
}

export function consumersAdd(ctx: StoreContext & CliIO, name: string, o: { group?: string[]; label?: string[]; models?: string; replace?: boolean }): number {
  if (ctx.config.consumers.some((c) => c.name === name)) {
    throw new WardenError('WARDEN_E_ADMIN_CONFLICT', `consumer ${name} is declared in ${ctx.configPath}; edit it there (the config's declaration wins over the store's)`);
  }
  const store = openExistingStore(ctx, { create: true });
  try {
    if (store.getConsumer(name) && !o.replace) {
      throw new WardenError('WARDEN_E_ADMIN_CONFLICT', `consumer ${name} already exists in ${ctx.storePath}; pass --replace to overwrite its groups, labels and models`);
    }
    const c = store.upsertConsumer({ name, groups: o.group ?? [], labels: labelsOf(o.label ?? []), models: splitList(o.models) ?? [] });
    ctx.out(`consumer ${c.name} saved in ${ctx.storePath}\n`);
    return 0;
  } finally {
    store.close();
  }
}

export function consumersList(ctx: StoreContext & CliIO, o: { json?: boolean }): number {
  const store = openExistingStore(ctx);
  try {
    const fromConfig = new Set(ctx.config.consumers.map((c) => c.name));
    const all = [
      ...ctx.config.consumers.map((c) => ({ name: c.name, groups: c.groups, labels: c.labels, models: c.models, source: 'config' })),
      ...store.listConsumers().filter((c) => !fromConfig.has(c.name)).map((c) => ({ name: c.name, groups: c.groups, labels: c.labels, models: c.models, source: 'store' })),
    ];
    if (o.json) ctx.out(JSON.stringify(all, null, 2) + '\n');
    else for (const c of all) ctx.out(`${c.name}\tgroups=${c.groups.join(',')}\tlabels=${Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(',')}\tmodels=${c.models.join(',') || '*'}\t(${c.source})\n`);
    return 0;
  } finally {
    store.close();
  }
}

export function consumersRemove(ctx: StoreContext & CliIO, name: string, o: { revokeKeys?: boolean }): number {
  if (ctx.config.consumers.some((c) => c.name === name)) {
    throw new WardenError('WARDEN_E_ADMIN_CONFLICT', `consumer ${name} is declared in ${ctx.configPath}; remove it there`);
  }
  const store = openExistingStore(ctx);
  try {
    if (!store.getConsumer(name)) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `no consumer ${name} in ${ctx.storePath}`);
    const active = store.listKeys(name).filter((k) => k.revokedAt === null);
    if (active.length && !o.revokeKeys) {
      throw new WardenError('WARDEN_E_ADMIN_CONFLICT', `consumer ${name} has ${active.length} active key(s) (${active.map((k) => k.id).join(', ')}); pass --revoke-keys to revoke them with it`);
    }
    const now = Date.now();
    for (const k of active) store.revokeKey(k.id, now);
    store.deleteConsumer(name);
    ctx.out(`consumer ${name} removed${active.length ? `; revoked ${active.length} key(s)` : ''}\n`);
    return 0;
  } finally {
    store.close();
  }
}
