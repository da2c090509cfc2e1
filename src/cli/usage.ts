/** `warden usage`: tokens, requests and cost from the store's daily usage rows, grouped. */
import { WardenError } from '../core/errors.js';
import type { UsageRow } from '../store/types.js';
import { openExistingStore, type CliIO, type StoreContext } from './context.js';
import { findConsumer } from './keys.js';

export const USAGE_GROUPS = ['consumer', 'key', 'model', 'team'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

interface Total {
  group: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** `2026-11-01`, an ISO time, or a span back from now: `7d`, `12h`. Returns the first day (UTC) counted. */
export function sinceDay(text: string, now = Date.now()): string {
  const span = /^(\d+)([hd])$/.exec(text.trim());
  const t = span ? now - Number(span[1]) * (span[2] === 'd' ? 86_400_000 : 3_600_000) : Date.parse(text);
  if (!Number.isFinite(t)) throw new WardenError('WARDEN_E_USAGE', `--since ${JSON.stringify(text)}: expected a date (2026-11-01) or a span back from now (7d, 12h)`);
  return new Date(t).toISOString().slice(0, 10);
}

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });
const count = new Intl.NumberFormat('en-US');

export function formatTable(rows: readonly Total[], by: UsageGroup): string {
  const head = [by, 'requests', 'input tokens', 'output tokens', 'cost'];
  const body = rows.map((r) => [r.group, count.format(r.requests), count.format(r.input_tokens), count.format(r.output_tokens), money.format(r.cost_usd)]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

export function usageCommand(ctx: StoreContext & CliIO, o: { by: UsageGroup; since: string; json?: boolean }): number {
  const since = sinceDay(o.since);
  const store = openExistingStore(ctx);
  try {
    const rows: UsageRow[] = store.usage({ since });
    const totals = new Map<string, Total>();
    const teamsOf = new Map<string, string[]>();
    const add = (group: string, r: UsageRow) => {
      const t = totals.get(group) ?? { group, requests: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
      t.requests += r.requests;
      t.input_tokens += r.inputTokens;
      t.output_tokens += r.outputTokens;
      t.cost_usd += r.costUsd;
      totals.set(group, t);
    };
    for (const r of rows) {
      if (o.by !== 'team') add(o.by === 'consumer' ? r.consumer : o.by === 'key' ? r.keyId : r.model, r);
      else {
        // A team is a consumer group; a consumer in two groups counts in both.
        let teams = teamsOf.get(r.consumer);
        if (!teams) teamsOf.set(r.consumer, (teams = findConsumer(ctx, store, r.consumer)?.groups ?? []));
        for (const t of teams.length ? teams : ['(no group)']) add(t, r);
      }
    }
    const sorted = [...totals.values()].sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests || a.group.localeCompare(b.group));
    if (o.json) ctx.out(JSON.stringify({ by: o.by, since, rows: sorted }, null, 2) + '\n');
    else if (!sorted.length) ctx.err(`no usage since ${since} in ${ctx.storePath}\n`);
    else ctx.out(formatTable(sorted, o.by));
    return 0;
  } finally {
    store.close();
  }
}
