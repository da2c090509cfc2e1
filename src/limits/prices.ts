/**
 * Turns token usage into USD with a price table (USD per million tokens, model globs,
 * first match wins). Used by the limiter for budgets and by the door for accounting.
 */
import { globToRegExp } from '../identity/glob.js';
import type { PriceInput } from './config.js';
import { BUILTIN_PRICES } from './default-prices.js';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** All cache-write tokens, 5-minute and 1-hour. */
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written with the 1-hour TTL, when the provider says. */
  cacheWrite1hTokens?: number;
}

/** Resolved prices in USD per token (not per million), all fields present. */
export interface Price {
  match: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  longPrompt?: { aboveInputTokens: number } & Omit<Price, 'match' | 'longPrompt'>;
}

type PriceFields = Pick<PriceInput, 'input' | 'output' | 'cache_read' | 'cache_write' | 'cache_write_1h'>;

function perToken(p: PriceFields): Omit<Price, 'match' | 'longPrompt'> {
  const M = 1_000_000;
  return {
    input: p.input / M,
    output: p.output / M,
    cacheRead: (p.cache_read ?? p.input * 0.1) / M,
    cacheWrite: (p.cache_write ?? p.input * 1.25) / M,
    cacheWrite1h: (p.cache_write_1h ?? p.input * 2) / M,
  };
}

export class PriceTable {
  private readonly entries: { re: RegExp; price: Price }[];
  /** Model names seen so far; the set of names in use is small, the lookup is per request. */
  private readonly memo = new Map<string, Price | null>();

  constructor(prices: readonly PriceInput[], builtin = true) {
    const all = builtin ? [...prices, ...BUILTIN_PRICES] : prices;
    this.entries = all.map((p) => ({
      re: globToRegExp(p.match),
      price: {
        match: p.match,
        ...perToken(p),
        ...(p.long_prompt ? { longPrompt: { aboveInputTokens: p.long_prompt.above_input_tokens, ...perToken(p.long_prompt) } } : {}),
      },
    }));
  }

  priceFor(model: string): Price | undefined {
    let hit = this.memo.get(model);
    if (hit === undefined) {
      hit = this.entries.find((e) => e.re.test(model))?.price ?? null;
      // Model names come from clients: bound the memo so junk names cannot grow it forever.
      if (this.memo.size > 1000) this.memo.clear();
      this.memo.set(model, hit);
    }
    return hit ?? undefined;
  }

  /** USD for one answer; 0 when no entry matches (only possible with builtin_prices: false). */
  cost(model: string, usage: TokenUsage): number {
    const base = this.priceFor(model);
    if (!base) return 0;
    const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
    const p = base.longPrompt && prompt > base.longPrompt.aboveInputTokens ? base.longPrompt : base;
    const write1h = Math.min(usage.cacheWrite1hTokens ?? 0, usage.cacheWriteTokens);
    return (
      usage.inputTokens * p.input +
      usage.outputTokens * p.output +
      usage.cacheReadTokens * p.cacheRead +
      (usage.cacheWriteTokens - write1h) * p.cacheWrite +
      write1h * p.cacheWrite1h
    );
  }
}

const builtinTable = new PriceTable([]);

/** Price of a model in the built-in table (or the given one). */
export function priceFor(model: string, table: PriceTable = builtinTable): Price | undefined {
  return table.priceFor(model);
}

/** USD for one answer with the built-in table (or the given one). */
export function costUsd(model: string, usage: TokenUsage, table: PriceTable = builtinTable): number {
  return table.cost(model, usage);
}
