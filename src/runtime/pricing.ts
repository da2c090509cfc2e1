import type { Exchange } from '../core/exchange.js';
import { matchesGlob } from '../identity/glob.js';

/** USD per million tokens. Built-in list prices of current Claude models; the limits config can override. */
export interface Price { input: number; output: number; cache_read: number; cache_write: number }
export const DEFAULT_PRICES: ReadonlyArray<{ match: string } & Price> = [
  { match: 'claude-opus-4-5*', input: 5, output: 25, cache_read: 0.5, cache_write: 6.25 },
  { match: 'claude-opus-4*', input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 },
  { match: 'claude-sonnet-4*', input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  { match: 'claude-3-7-sonnet*', input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  { match: 'claude-haiku-4*', input: 1, output: 5, cache_read: 0.1, cache_write: 1.25 },
  { match: 'claude-3-5-haiku*', input: 0.8, output: 4, cache_read: 0.08, cache_write: 1 },
  // Newer names fall back to their family's latest list price until the table is updated.
  { match: 'claude-opus-*', input: 5, output: 25, cache_read: 0.5, cache_write: 6.25 },
  { match: 'claude-sonnet-*', input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  { match: 'claude-haiku-*', input: 1, output: 5, cache_read: 0.1, cache_write: 1.25 },
];

export function priceExchange(model: string, ex: Exchange): number {
  const u = ex.usage;
  if (!u) return 0;
  const p = DEFAULT_PRICES.find((e) => matchesGlob(model, e.match));
  if (!p) return 0;
  return (u.inputTokens * p.input + u.outputTokens * p.output + u.cacheReadTokens * p.cache_read + u.cacheWriteTokens * p.cache_write) / 1e6;
}
