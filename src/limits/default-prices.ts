/**
 * Built-in price table, USD per million tokens. Source: the model catalog baked into
 * Claude Code 2.1.328 (`pricing_tiers` and each model's tier), which is what Claude Code
 * itself uses to show costs. First match wins, so specific globs precede broad ones.
 * The final `*` entry prices unknown models at the dearest common tier: an unlisted model
 * name must never make spending budgets undercount (threat: budget evasion by renaming).
 */
import type { PriceInput } from './config.js';

const tier = (input: number, output: number, cacheRead: number): Omit<PriceInput, 'match'> => ({
  input,
  output,
  cache_read: cacheRead,
  cache_write: input * 1.25,
  cache_write_1h: input * 2,
});

const OPUS_4_0 = tier(15, 75, 1.5);
const OPUS_4_5 = tier(5, 25, 0.5);
const SONNET_4 = tier(3, 15, 0.3);
const T10_50 = tier(10, 50, 1);

export const BUILTIN_PRICES: readonly PriceInput[] = [
  { match: 'claude-opus-5-5*', ...tier(4, 20, 0.2) },
  { match: 'claude-opus-5*', ...OPUS_4_5 },
  { match: 'claude-opus-4-0*', ...OPUS_4_0 },
  { match: 'claude-opus-4-1*', ...OPUS_4_0 },
  { match: 'claude-opus-4-2025*', ...OPUS_4_0 },
  { match: 'claude-opus-4', ...OPUS_4_0 },
  { match: 'claude-opus-4*', ...OPUS_4_5 },
  { match: 'claude-3-opus*', ...OPUS_4_0 },
  { match: 'claude-sonnet-5-5*', ...tier(2, 10, 0.1) },
  { match: 'claude-sonnet-5*', ...tier(2, 10, 0.2) },
  { match: 'claude-sonnet-4*', ...SONNET_4 },
  { match: 'claude-3-7-sonnet*', ...SONNET_4 },
  { match: 'claude-3-5-sonnet*', ...SONNET_4 },
  {
    match: 'claude-haiku-5-5*',
    ...tier(0.1, 0.5, 0.01),
    long_prompt: { above_input_tokens: 100_000, input: 0.5, output: 2.5, cache_read: 0.05, cache_write: 0.625, cache_write_1h: 1 },
  },
  { match: 'claude-haiku-4-5*', ...tier(1, 5, 0.1) },
  { match: 'claude-3-5-haiku*', ...tier(0.8, 4, 0.08) },
  { match: 'claude-3-haiku*', ...tier(0.25, 1.25, 0.03) },
  { match: 'claude-fable-5-2*', ...tier(8, 40, 0.2) },
  { match: 'claude-mythos-5-2*', ...tier(8, 40, 0.2) },
  { match: 'claude-fable-5-1*', ...tier(10, 50, 0.25) },
  { match: 'claude-mythos-5-1*', ...tier(10, 50, 0.25) },
  { match: 'claude-fable-5*', ...T10_50 },
  { match: 'claude-mythos-5*', ...T10_50 },
  { match: '*', ...OPUS_4_0 },
];
