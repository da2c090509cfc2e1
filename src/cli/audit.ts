import { parseArgs } from 'node:util';
import { followAudit, searchAudit, tailAudit, type AuditFilter } from '../audit/query.js';
import { renderProblem, renderRecord } from '../audit/render.js';
import type { AuditRecord, ChainedRecord } from '../audit/types.js';
import { verifyKeyOption } from '../audit/key-file.js';
import { verifyAuditLog, type VerifyResult } from '../audit/verify.js';
import { listAuditChains } from '../audit/chains.js';
import { WardenError } from '../core/errors.js';

const USAGE = `usage:
  warden audit verify [--key-file PATH | --unkeyed] [--json]
  warden audit tail [-n N] [-f] [--json]
  warden audit search [--consumer X] [--key ID] [--session ID] [--model M] [--door D] [--decision D]
                      [--status N] [--since ISO] [--until ISO] [--text T] [--limit N] [--json]`;

const DECISIONS = new Set<string>(['allow', 'deny', 'ask', 'redact', 'error']);

export interface AuditCommandContext {
  auditDir: string;
  hmacKey?: string;
  /** audit.key_file, resolved; default: beside auditDir. */
  keyFile?: string;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Stops `tail -f`; without it, SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

class UsageError extends Error {}

/** `warden audit verify|tail|search`. Returns the exit code: 0 ok, 1 problems found, 2 bad usage. */
export async function auditCommand(argv: string[], ctx: AuditCommandContext): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'verify') return verify(rest, ctx);
    if (sub === 'tail') return await tail(rest, ctx);
    if (sub === 'search') return await search(rest, ctx);
    throw new UsageError(sub ? `unknown audit command: ${sub}` : 'missing audit command');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      ctx.err(`${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

function verify(argv: string[], ctx: AuditCommandContext): number {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, 'key-file': { type: 'string' }, unkeyed: { type: 'boolean' } } });
  let hmacKey: string | undefined;
  try {
    hmacKey = verifyKeyOption(ctx, values['key-file'], values.unkeyed === true);
  } catch (e) {
    if (!(e instanceof WardenError)) throw e;
    ctx.err(`${e.code}: ${e.message}\n`);
    return 2;
  }
  const chains = listAuditChains(ctx.auditDir);
  const results = chains.map((c) => ({ chain: c.name, ...verifyAuditLog(c.dir, { hmacKey }) }));
  const res = combine(results);
  if (values.json) {
    ctx.out(JSON.stringify(res) + '\n');
    return res.ok ? 0 : 1;
  }
  for (const p of res.problems) ctx.out(renderProblem(p) + '\n');
  if (res.problemsOmitted) ctx.out(`… and ${res.problemsOmitted} more problem(s)\n`);
  if (res.ok && chains.length === 1) {
    ctx.out(`audit log OK: ${res.records} record(s) in ${res.files} file(s), chain intact up to seq ${res.lastSeq}\n`);
    return 0;
  }
  if (res.ok) {
    const each = results.map((r) => `${r.chain} up to seq ${r.lastSeq}`).join(', ');
    ctx.out(`audit log OK: ${res.records} record(s) in ${res.files} file(s), ${chains.length} chains intact (${each})\n`);
    return 0;
  }
  const total = res.problems.length + res.problemsOmitted;
  ctx.out(`audit log FAILED: ${total} problem(s) in ${res.records} record(s) across ${res.files} file(s)\n`);
  return 1;
}

/** One result for the chains of a folder (one per worker): ok when every chain is. */
function combine(results: Array<VerifyResult & { chain: string }>): VerifyResult & { chains?: Array<VerifyResult & { chain: string }> } {
  if (results.length === 1) return results[0]!;
  return {
    ok: results.every((r) => r.ok),
    records: results.reduce((n, r) => n + r.records, 0),
    files: results.reduce((n, r) => n + r.files, 0),
    lastSeq: Math.max(...results.map((r) => r.lastSeq)),
    // A problem names its chain's folder: each worker's chain has its own audit-000001.jsonl.
    problems: results.flatMap((r) => r.problems.map((p) => ({ ...p, file: `${r.chain}/${p.file}` }))),
    problemsOmitted: results.reduce((n, r) => n + r.problemsOmitted, 0),
    chains: results,
  };
}

/** Records of several chains in time order (each chain is in order already). */
function byTime(lists: ChainedRecord[][]): ChainedRecord[] {
  if (lists.length === 1) return lists[0]!;
  return lists.flat().sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

async function tail(argv: string[], ctx: AuditCommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { n: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' } },
  });
  const n = values.n === undefined ? 10 : int(values.n, '-n', 0);
  const print = printer(ctx, values.json === true);
  const chains = listAuditChains(ctx.auditDir);
  const lasts = chains.map((c) => tailAudit(c.dir, n));
  const merged = byTime(lasts);
  for (const r of merged.slice(Math.max(0, merged.length - n))) print(r);
  if (!values.follow) return 0;
  // Each chain followed from its own last record; records of several workers print as they come.
  await withStopSignal(ctx.signal, (signal) =>
    Promise.all(
      chains.map((c, i) => {
        const last = lasts[i]!;
        const afterSeq = last.length ? last[last.length - 1]!.seq : (tailAudit(c.dir, 1)[0]?.seq ?? 0);
        return followAudit(c.dir, print, signal, { afterSeq });
      }),
    ).then(() => undefined),
  );
  return 0;
}

async function search(argv: string[], ctx: AuditCommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      consumer: { type: 'string' }, key: { type: 'string' }, session: { type: 'string' }, model: { type: 'string' },
      door: { type: 'string' }, decision: { type: 'string' }, status: { type: 'string' }, since: { type: 'string' },
      until: { type: 'string' }, text: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (values.decision !== undefined && !DECISIONS.has(values.decision)) {
    throw new UsageError(`--decision must be one of ${[...DECISIONS].join(', ')}`);
  }
  const filter: AuditFilter = {
    consumer: values.consumer,
    keyId: values.key,
    sessionId: values.session,
    model: values.model,
    door: values.door,
    decision: values.decision as AuditRecord['decision'] | undefined,
    status: values.status === undefined ? undefined : int(values.status, '--status', 0),
    since: values.since === undefined ? undefined : date(values.since, '--since'),
    until: values.until === undefined ? undefined : date(values.until, '--until'),
    text: values.text,
  };
  const limit = values.limit === undefined ? 50 : int(values.limit, '--limit', 1);
  const all = byTime(await Promise.all(listAuditChains(ctx.auditDir).map((c) => searchAudit(c.dir, filter, limit))));
  const found = all.slice(Math.max(0, all.length - limit));
  const print = printer(ctx, values.json === true);
  for (const r of found) print(r);
  if (!values.json) ctx.err(`${found.length} record(s)${found.length === limit ? ` (the last ${limit} matches; raise --limit for more)` : ''}\n`);
  return 0;
}

function printer(ctx: AuditCommandContext, json: boolean): (r: ChainedRecord) => void {
  return json ? (r) => ctx.out(JSON.stringify(r) + '\n') : (r) => ctx.out(renderRecord(r) + '\n');
}

function int(s: string, flag: string, min: number): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got ${JSON.stringify(s)}`);
  return n;
}

function date(s: string, flag: string): Date {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} must be an ISO date or time, got ${JSON.stringify(s)}`);
  return d;
}

async function withStopSignal(given: AbortSignal | undefined, run: (s: AbortSignal) => Promise<void>): Promise<void> {
  if (given) return run(given);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await run(ac.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
