/**
 * `warden keys …`: they write the store a running Warden reads, which sees the change on its
 * next request. Store commands never create a store (openExistingStore).
 */
import { createKeyFromInput, publicKey, rotateKeyById } from '../admin/keys-api.js';
import { WardenError } from '../core/errors.js';
import { matchesAny } from '../identity/glob.js';
import type { Store } from '../store/types.js';
import { openExistingStore, type CliIO, type StoreContext } from './context.js';

export function splitList(s: string | undefined): string[] | undefined {
  return s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean);
}

/** The consumer as a running Warden sees it: the config's declaration wins over the store's. */
export function findConsumer(ctx: StoreContext, store: Store, name: string): { name: string; models: string[]; groups: string[]; source: 'config' | 'store' } | undefined {
  const c = ctx.config.consumers.find((x) => x.name === name);
  if (c) return { name, models: c.models, groups: c.groups, source: 'config' };
  const s = store.getConsumer(name);
  return s ? { name, models: s.models, groups: s.groups, source: 'store' } : undefined;
}

/**
 * Key globs the consumer's scope does not cover. A key glob is inside the scope when a scope
 * glob matches its text (its own `*` taken literally): `claude-haiku-4*` is inside
 * `claude-haiku-*`, `claude-*` is not. Such a key would be refused on every request anyway.
 */
export function outsideScope(keyModels: readonly string[], consumerModels: readonly string[]): string[] {
  if (!consumerModels.length) return [];
  return keyModels.filter((m) => !matchesAny(m, consumerModels));
}

function withStore<T>(ctx: StoreContext & CliIO, run: (store: Store) => T, create = false): T {
  const store = openExistingStore(ctx, { create });
  try {
    return run(store);
  } finally {
    store.close();
  }
}

export function keysCreate(ctx: StoreContext & CliIO, o: { consumer: string; name?: string; models?: string; expiresIn?: string }): number {
  return withStore(ctx, (store) => {
    const consumer = findConsumer(ctx, store, o.consumer);
    const models = splitList(o.models);
    if (consumer && models) {
      const outside = outsideScope(models, consumer.models);
      if (outside.length) {
        throw new WardenError(
          'WARDEN_E_ADMIN_BAD_INPUT',
          `--models ${outside.join(',')}: outside the scope of consumer ${consumer.name} (${consumer.source}), which may use only ${consumer.models.join(', ')}; every request with this key would be refused`,
        );
      }
    }
    const created = createKeyFromInput(store, { consumer: o.consumer, name: o.name, models, expires_in: o.expiresIn }, () => consumer !== undefined);
    ctx.out(`${created.key}\n`);
    ctx.err(`created ${created.record.id} for consumer ${created.record.consumer} in ${ctx.storePath}; the key above is shown once — store it now\n`);
    return 0;
  }, true);
}

export function keysList(ctx: StoreContext & CliIO, o: { consumer?: string; json?: boolean }): number {
  return withStore(ctx, (store) => {
    const keys = store.listKeys(o.consumer).map(publicKey);
    if (o.json) ctx.out(JSON.stringify(keys, null, 2) + '\n');
    else {
      for (const k of keys) {
        const state = k.revoked_at ? `revoked ${k.revoked_at}` : k.expires_at ? `expires ${k.expires_at}` : 'active';
        ctx.out(`${k.id}\t${k.hint}\t${k.consumer}\t${k.name || '-'}\tmodels=${k.models.join(',') || '*'}\t${state}\tlast used ${k.last_used_at ?? 'never'}\n`);
      }
      if (!keys.length) ctx.err(`no keys in ${ctx.storePath}\n`);
    }
    return 0;
  });
}

export function keysRevoke(ctx: StoreContext & CliIO, id: string): number {
  return withStore(ctx, (store) => {
    if (!store.revokeKey(id, Date.now())) throw new WardenError('WARDEN_E_ADMIN_NOT_FOUND', `key ${id} does not exist in ${ctx.storePath} or is already revoked`);
    ctx.out(`revoked ${id}\n`);
    return 0;
  });
}

export function keysRotate(ctx: StoreContext & CliIO, id: string, o: { grace?: string }): number {
  return withStore(ctx, (store) => {
    const created = rotateKeyById(store, id, o.grace);
    ctx.out(`${created.key}\n`);
    ctx.err(`${id} is replaced by ${created.record.id}${o.grace ? ` (the old key works for ${o.grace} more)` : ''}; the key above is shown once\n`);
    return 0;
  });
}
