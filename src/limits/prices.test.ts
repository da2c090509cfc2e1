import assert from 'node:assert/strict';
import { test } from 'node:test';
import { costUsd, PriceTable, priceFor } from './prices.js';

const M = 1_000_000;

test('the built-in table prices current Claude models by id, alias and dated id', () => {
  const perMillionInput = (model: string): number => Math.round(priceFor(model)!.input * M * 1000) / 1000;
  assert.equal(perMillionInput('claude-opus-4-20250514'), 15);
  assert.equal(perMillionInput('claude-opus-4-1-20250805'), 15);
  assert.equal(perMillionInput('claude-opus-4-0'), 15);
  assert.equal(perMillionInput('claude-opus-4-5-20251101'), 5);
  assert.equal(perMillionInput('claude-opus-4-8'), 5);
  assert.equal(perMillionInput('claude-opus-5'), 5);
  assert.equal(perMillionInput('claude-opus-5-5'), 4);
  assert.equal(perMillionInput('claude-sonnet-4-5-20250929'), 3);
  assert.equal(perMillionInput('claude-sonnet-4-6'), 3);
  assert.equal(perMillionInput('claude-sonnet-5'), 2);
  assert.equal(perMillionInput('claude-3-7-sonnet-20250219'), 3);
  assert.equal(perMillionInput('claude-haiku-4-5-20251001'), 1);
  assert.equal(perMillionInput('claude-3-5-haiku-20241022'), 0.8);
  assert.equal(perMillionInput('claude-fable-5-2'), 8);
  // Unknown names pay the dearest common tier, so budgets never undercount.
  assert.equal(perMillionInput('some-new-model'), 15);
});

test('cost adds input, output, cache reads and both cache-write tiers', () => {
  const usd = costUsd('claude-opus-4-5-20251101', {
    inputTokens: 1000,
    outputTokens: 2000,
    cacheReadTokens: 10_000,
    cacheWriteTokens: 4000,
    cacheWrite1hTokens: 1000,
  });
  const expected = (1000 * 5 + 2000 * 25 + 10_000 * 0.5 + 3000 * 6.25 + 1000 * 10) / M;
  assert.ok(Math.abs(usd - expected) < 1e-12, `${usd} vs ${expected}`);
});

test('long prompts switch to the long-prompt prices', () => {
  const short = costUsd('claude-haiku-5-5', { inputTokens: 50_000, outputTokens: 1000, cacheReadTokens: 0, cacheWriteTokens: 0 });
  const long = costUsd('claude-haiku-5-5', { inputTokens: 50_000, outputTokens: 1000, cacheReadTokens: 60_000, cacheWriteTokens: 0 });
  assert.ok(Math.abs(short - (50_000 * 0.1 + 1000 * 0.5) / M) < 1e-12);
  assert.ok(Math.abs(long - (50_000 * 0.5 + 1000 * 2.5 + 60_000 * 0.05) / M) < 1e-12);
});

test('configured prices come first; without the built-in table unknown models cost nothing', () => {
  const table = new PriceTable([{ match: 'claude-opus-4*', input: 1, output: 2 }]);
  assert.equal(table.priceFor('claude-opus-4-5')!.match, 'claude-opus-4*');
  assert.equal(table.priceFor('claude-opus-4-5')!.cacheRead * M, 0.1);
  assert.equal(table.priceFor('claude-sonnet-4-5')!.match, 'claude-sonnet-4*');
  const bare = new PriceTable([{ match: 'x', input: 1, output: 1 }], false);
  assert.equal(bare.priceFor('claude-opus-4-5'), undefined);
  assert.equal(bare.cost('claude-opus-4-5', { inputTokens: 10, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 }), 0);
});
