/**
 * `warden approvals list|approve|deny`: the human side of a policy "ask". Writes go to the
 * same SQLite file the server reads, so an approval takes effect on the next request.
 * Answering needs an admin key (src/cli/approvals-answer.ts).
 */
import { parseArgs } from 'node:util';
import { openSqliteApprovals } from '../approvals/sqlite.js';
import type { Approval, ApprovalStore } from '../approvals/types.js';
import { isWardenError } from '../core/errors.js';
import type { OidcRoleRule } from '../identity/admin-oidc.js';
import type { AdminKeysConfig } from '../identity/admin-principal.js';
import type { OidcIssuerConfig } from '../identity/oidc/config.js';
import { ADMIN_KEY_ENV, answerApproval } from './approvals-answer.js';

export interface Writer {
  write(text: string): unknown;
}

export interface ApprovalsCommandContext {
  dbPath: string;
  /** admin.key_sha256, admin.keys and admin.oidc_roles of the config: who may answer. */
  admin: AdminKeysConfig & { oidc_roles?: readonly OidcRoleRule[]; oidc_audience?: readonly string[] | undefined };
  /** identity.oidc of the config: issuers whose tokens (`warden login`) are verified. */
  oidcIssuers?: readonly OidcIssuerConfig[];
  /** Where WARDEN_ADMIN_KEY is read (process.env by default). */
  env?: Record<string, string | undefined>;
  out: Writer;
  err: Writer;
  /** Clock, for tests. */
  now?: () => number;
}

const USAGE = `usage:
  warden approvals list [--all] [--status pending|approved|denied|executed] [--consumer NAME] [--json]
  warden approvals approve <id> [--ttl 8h] [--note TEXT] [--admin-key-file FILE | --oidc]
  warden approvals deny <id> [--ttl 8h] [--note TEXT] [--admin-key-file FILE | --oidc]
approve and deny need an admin key with role approver or admin (admin.keys), from
--admin-key-file or $${ADMIN_KEY_ENV}, or the OIDC login of \`warden login\` whose groups
give such a role (admin.oidc_roles): --oidc, or by default when no admin key is given.
The answer is recorded under that key's name, or as oidc:<issuer>#<subject>.
`;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `8h`, `2d` or plain milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * UNITS[m[2] ?? 'ms']!;
  return n > 0 ? n : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function line(a: Approval, now: number): string {
  // An executed approval is done, whatever its window says; it shows who ran it.
  const state = a.status === 'executed' ? `executed at ${iso(a.executedAt ?? a.created)} by session ${a.executedBy ?? '?'}, approved` : a.expires <= now ? `${a.status} (expired)` : a.status;
  const by = a.decidedBy ? ` by ${a.decidedBy}` : '';
  const approvers = a.approvers.length ? `  approvers=${a.approvers.join(',')}` : '';
  const requester = a.requesterKey ? `  requester=${a.requesterKey}` : '';
  return `${a.id}  ${state}${by}  consumer=${a.consumer}  rule=${a.rule}${approvers}  created=${iso(a.created)}  expires=${iso(a.expires)}${requester}\n    ${a.summary}${a.note ? `\n    note: ${a.note}` : ''}\n`;
}

async function list(store: ApprovalStore, args: string[], ctx: ApprovalsCommandContext, now: number): Promise<number> {
  const { values } = parseArgs({ args, options: { all: { type: 'boolean' }, status: { type: 'string' }, consumer: { type: 'string' }, json: { type: 'boolean' } } });
  const status = values.status;
  if (status !== undefined && status !== 'pending' && status !== 'approved' && status !== 'denied' && status !== 'executed') {
    ctx.err.write(`error: --status must be pending, approved, denied or executed\n`);
    return 2;
  }
  const rows = await store.list({ status: status ?? (values.all ? undefined : 'pending'), consumer: values.consumer, includeExpired: values.all === true, now });
  if (values.json) ctx.out.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (!rows.length) ctx.out.write(values.all && !status ? 'no approvals\n' : `no ${status ?? 'pending'} approvals\n`);
  else for (const a of rows) ctx.out.write(line(a, now));
  return 0;
}

async function answer(store: ApprovalStore, verb: 'approve' | 'deny', args: string[], ctx: ApprovalsCommandContext, now: number): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ttl: { type: 'string' }, note: { type: 'string' }, 'admin-key-file': { type: 'string' }, by: { type: 'string' }, oidc: { type: 'boolean' } } });
  const id = positionals[0];
  if (!id || positionals.length > 1) {
    ctx.err.write(USAGE);
    return 2;
  }
  if (values.by !== undefined) {
    ctx.err.write('error: --by is gone: the approver is the name of the admin key given with --admin-key-file or $' + ADMIN_KEY_ENV + '\n');
    return 2;
  }
  if (values.oidc && values['admin-key-file'] !== undefined) {
    ctx.err.write('error: --oidc and --admin-key-file name two different approvers; give one\n');
    return 2;
  }
  const ttl = values.ttl === undefined ? undefined : parseDuration(values.ttl);
  if (values.ttl !== undefined && ttl === undefined) {
    ctx.err.write(`error: --ttl "${values.ttl}" is not a duration (e.g. 30m, 8h, 2d)\n`);
    return 2;
  }
  try {
    const decided = await answerApproval(store, { dbPath: ctx.dbPath, admin: ctx.admin, oidcIssuers: ctx.oidcIssuers, oidc: values.oidc === true, keyFile: values['admin-key-file'], env: ctx.env ?? process.env, id, verb, note: values.note, ttlMs: ttl, now });
    const what = verb === 'approve' ? 'approved: identical requests pass' : 'denied: identical requests are refused';
    ctx.out.write(`${id} ${what} until ${iso(decided.expires)} (decided by ${decided.decidedBy})\n`);
    return 0;
  } catch (e) {
    if (!isWardenError(e)) throw e;
    ctx.err.write(`${e.code}: ${e.message}\n`);
    return 1;
  }
}

export async function approvalsCommand(argv: string[], ctx: ApprovalsCommandContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'approve' && sub !== 'deny') {
    ctx.err.write(USAGE);
    return 2;
  }
  const store = openSqliteApprovals(ctx.dbPath);
  const now = (ctx.now ?? Date.now)();
  try {
    return sub === 'list' ? await list(store, rest, ctx, now) : await answer(store, sub, rest, ctx, now);
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      ctx.err.write(`error: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    throw e;
  } finally {
    store.close();
  }
}
