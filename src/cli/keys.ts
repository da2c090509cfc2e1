import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { createKeyFromInput, publicKey, rotateKeyById } from '../admin/keys-api.js';
import { isWardenError } from '../core/errors.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Config } from '../config/schema.js';
import type { CliIO } from './context.js';

const USAGE = `usage:
  warden keys create --consumer NAME [--name LABEL] [--models GLOB,GLOB] [--expires-in 30d]
  warden keys list [--consumer NAME] [--json]
  warden keys revoke KEY_ID
  warden keys rotate KEY_ID [--grace 1h]
  warden consumers add NAME [--group G]... [--label k=v]... [--models GLOB,GLOB]
  warden consumers list [--json]`;

/** `warden keys …` and `warden consumers …`: they write the store directly; a running Warden sees the change on its next request. */
export function keysCommand(kind: 'keys' | 'consumers', argv: string[], ctx: CliIO & { config: Config; baseDir: string }): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      consumer: { type: 'string' }, name: { type: 'string' }, models: { type: 'string' }, 'expires-in': { type: 'string' },
      grace: { type: 'string' }, json: { type: 'boolean' }, group: { type: 'string', multiple: true }, label: { type: 'string', multiple: true },
    },
  });
  const store = openSqliteStore(resolve(ctx.baseDir, ctx.config.store.path));
  const configConsumers = new Set(ctx.config.consumers.map((c) => c.name));
  const exists = (n: string) => configConsumers.has(n) || store.getConsumer(n) !== undefined;
  const models = values.models ? values.models.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  try {
    const [sub, arg] = positionals;
    if (kind === 'consumers') {
      if (sub === 'add' && arg) {
        const labels: Record<string, string> = {};
        for (const l of values.label ?? []) {
          const i = l.indexOf('=');
          if (i < 1) throw new Error(`--label ${l}: expected key=value`);
          labels[l.slice(0, i)] = l.slice(i + 1);
        }
        const c = store.upsertConsumer({ name: arg, groups: values.group ?? [], labels, models: models ?? [] });
        ctx.out(`consumer ${c.name} saved\n`);
        return 0;
      }
      if (sub === 'list') {
        const all = [...ctx.config.consumers.map((c) => ({ ...c, source: 'config' })), ...store.listConsumers().filter((c) => !configConsumers.has(c.name)).map((c) => ({ name: c.name, groups: c.groups, labels: c.labels, models: c.models, source: 'store' }))];
        if (values.json) ctx.out(JSON.stringify(all, null, 2) + '\n');
        else for (const c of all) ctx.out(`${c.name}\tgroups=${c.groups.join(',')}\tlabels=${Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(',')}\tmodels=${c.models.join(',') || '*'}\t(${c.source})\n`);
        return 0;
      }
    } else {
      if (sub === 'create') {
        const created = createKeyFromInput(store, { consumer: values.consumer, name: values.name, models, expires_in: values['expires-in'] }, exists);
        ctx.out(`${created.key}\n`);
        ctx.err(`created ${created.record.id} for consumer ${created.record.consumer}; the key above is shown once — store it now\n`);
        return 0;
      }
      if (sub === 'list') {
        const keys = store.listKeys(values.consumer).map(publicKey);
        if (values.json) ctx.out(JSON.stringify(keys, null, 2) + '\n');
        else for (const k of keys) ctx.out(`${k.id}\t${k.hint}\t${k.consumer}\t${k.name || '-'}\tmodels=${k.models.join(',') || '*'}\t${k.revoked_at ? `revoked ${k.revoked_at}` : k.expires_at ? `expires ${k.expires_at}` : 'active'}\tlast used ${k.last_used_at ?? 'never'}\n`);
        return 0;
      }
      if (sub === 'revoke' && arg) {
        if (!store.revokeKey(arg, Date.now())) {
          ctx.err(`key ${arg} does not exist or is already revoked\n`);
          return 1;
        }
        ctx.out(`revoked ${arg}\n`);
        return 0;
      }
      if (sub === 'rotate' && arg) {
        const created = rotateKeyById(store, arg, values.grace);
        ctx.out(`${created.key}\n`);
        ctx.err(`${arg} is replaced by ${created.record.id}${values.grace ? ` (the old key works for ${values.grace} more)` : ''}; the key above is shown once\n`);
        return 0;
      }
    }
    ctx.err(USAGE + '\n');
    return 2;
  } catch (e) {
    ctx.err(`${isWardenError(e) ? `${e.code}: ` : ''}${(e as Error).message}\n`);
    return 1;
  } finally {
    store.close();
  }
}
