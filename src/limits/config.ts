/**
 * The `limits:` config section: which limits apply to whom, the shared backend, and the
 * price table that turns token usage into money. Composed into the root schema by
 * src/config/schema.ts.
 */
import { z } from 'zod';
import { DURATION_RE, parseDuration } from './duration.js';

const durationSchema = z
  .union([z.number().int().positive(), z.string().regex(DURATION_RE, 'a duration such as 30s, 1m, 1h, 1d (or milliseconds)')])
  .transform((v) => (typeof v === 'number' ? v : parseDuration(v)))
  .describe('A duration: `30s`, `1m`, `1h`, `1d`, or a number of milliseconds.');

const windowLimitSchema = z.strictObject({
  limit: z.number().int().positive(),
  window: durationSchema,
});

const TOKEN_KINDS = ['input', 'output', 'cache_read', 'cache_write'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

const matchSchema = z
  .strictObject({
    consumers: z.array(z.string().min(1)).optional().describe('Consumer names or globs; any one must match.'),
    groups: z.array(z.string().min(1)).optional().describe('Consumer groups; any one must match. With scope `team`, also which teams are counted.'),
    labels: z.record(z.string(), z.string()).optional().describe('Labels that must all be equal on the consumer.'),
    models: z.array(z.string().min(1)).optional().describe('Model names or globs; any one must match.'),
  })
  .describe('Which exchanges the rule applies to; all given conditions must hold. Omitted: every exchange.');

const ruleSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only, at most 64 characters').describe('Stable id; names the rule in errors, metrics and counter keys.'),
    scope: z
      .enum(['key', 'consumer', 'team', 'session', 'global'])
      .describe('Who shares one counter: each key, each consumer, each team (consumer group), each agent session (x-claude-code-session-id), or everyone.'),
    match: matchSchema.optional(),
    requests: windowLimitSchema.optional().describe('At most `limit` requests in any sliding `window`.'),
    tokens: windowLimitSchema
      .extend({
        count: z.array(z.enum(TOKEN_KINDS)).min(1).default(['input', 'output']).describe('Which usage counts toward the limit.'),
      })
      .optional()
      .describe('At most `limit` tokens in any sliding `window`: the estimate is reserved up front, the real usage settled afterwards.'),
    concurrent: z.number().int().positive().optional().describe('At most this many requests in flight at once.'),
    budget: z
      .strictObject({ usd: z.number().positive(), period: z.enum(['day', 'month']) })
      .optional()
      .describe('Money per UTC day or month, priced with `limits.prices`. Spent budgets answer 429 with x-should-retry: false.'),
    requests_budget: z
      .strictObject({ limit: z.number().int().positive(), period: z.enum(['day', 'month', 'total']) })
      .optional()
      .describe('A budget of N requests per UTC day, month or in total; spent budgets answer 429 with x-should-retry: false.'),
    loop: z
      .strictObject({ repeats: z.number().int().min(2), window: durationSchema })
      .optional()
      .describe('Runaway-loop guard: the same tool call asked for more than `repeats` times within `window` is refused.'),
  })
  .refine((r) => r.requests || r.tokens || r.concurrent || r.budget || r.requests_budget || r.loop, {
    message: 'a rule needs at least one of requests, tokens, concurrent, budget, requests_budget, loop',
  });

const priceFields = {
  input: z.number().min(0).describe('USD per million input tokens.'),
  output: z.number().min(0).describe('USD per million output tokens.'),
  cache_read: z.number().min(0).optional().describe('USD per million cache-read tokens; default input × 0.1.'),
  cache_write: z.number().min(0).optional().describe('USD per million 5-minute cache-write tokens; default input × 1.25.'),
  cache_write_1h: z.number().min(0).optional().describe('USD per million 1-hour cache-write tokens; default input × 2.'),
};

const priceSchema = z.strictObject({
  match: z.string().min(1).describe('Model name or glob (`claude-opus-4*`).'),
  ...priceFields,
  long_prompt: z
    .strictObject({ above_input_tokens: z.number().int().positive(), ...priceFields })
    .optional()
    .describe('Prices that apply instead when a request’s prompt (input + cache tokens) exceeds `above_input_tokens`.'),
});

export const limitsSchema = z
  .strictObject({
    backend: z.enum(['memory', 'redis']).default('memory').describe('`memory`: one Warden process. `redis`: exact limits shared by all replicas.'),
    redis: z
      .strictObject({
        url: z.string().default('redis://127.0.0.1:6379').describe('redis:// or rediss:// URL; use ${env:...} for a password.'),
        key_prefix: z.string().default('warden:').describe('Prefix of every counter key.'),
        timeout_ms: z.number().int().positive().default(50).describe('Longest wait for one limiter round trip before `on_backend_error` applies.'),
        connect_timeout_ms: z.number().int().positive().default(2000),
      })
      .prefault({}),
    on_backend_error: z
      .enum(['fail_closed', 'fail_open'])
      .default('fail_closed')
      .describe('Redis unreachable: refuse with 503 (closed) or admit unlimited and count `warden_limiter_fail_open_total` (open).'),
    lease_ttl: durationSchema
      .default(60_000)
      .describe('Concurrency slots are leases renewed while a request runs; a crashed replica’s slots free themselves after this.'),
    rules: z.array(ruleSchema).default([]),
    prices: z.array(priceSchema).default([]).describe('USD per million tokens by model glob; checked before the built-in table, first match wins.'),
    builtin_prices: z.boolean().default(true).describe('Append the built-in table of Claude model prices after `prices`.'),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${r.id}` });
      seen.add(r.id);
      if (r.loop && r.scope !== 'session' && r.scope !== 'key') {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'loop'], message: 'loop limits need scope session or key' });
      }
    });
  })
  .prefault({})
  .describe('Rate limits, token limits, concurrency and budgets.');

export type LimitsConfigInput = NonNullable<z.input<typeof limitsSchema>>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type LimitRule = LimitsConfig['rules'][number];
export type LimitScope = LimitRule['scope'];
export type PriceInput = z.input<typeof priceSchema>;
export type PriceEntry = z.output<typeof priceSchema>;
