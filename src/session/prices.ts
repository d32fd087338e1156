/**
 * Prices per million tokens, per model. The built-in table covers the default models;
 * users extend or override it with a JSON file (MAILROOM_PRICES or --prices).
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { Usage } from '../contracts/usage.js';

export const PriceSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheRead: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
});
export const PriceTableSchema = z.record(z.string(), PriceSchema);
export type PriceTable = z.infer<typeof PriceTableSchema>;

/** USD per million tokens. Cache reads cost 10% of input, cache writes 125%, unless given. */
export const BUILTIN_PRICES: PriceTable = {
  'claude-opus-5-5': { input: 5, output: 25 },
  'claude-sonnet-5-5': { input: 3, output: 15 },
  'claude-haiku-5-5': { input: 1, output: 5 },
  'claude-sonnet-4-6': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-opus-4-6': { input: 5, output: 25 },
};

/** The built-in table merged with a user's file, the user's entries winning. */
export function loadPrices(file = process.env.MAILROOM_PRICES): PriceTable {
  if (!file) return { ...BUILTIN_PRICES };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read the price table ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = PriceTableSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid price table ${file}: ${z.prettifyError(parsed.error)}`);
  return { ...BUILTIN_PRICES, ...parsed.data };
}

/** Cost in USD, or undefined when the model has no price. */
export function costOf(prices: PriceTable, model: string, usage: Usage): number | undefined {
  const p = prices[model];
  if (!p) return undefined;
  const m = 1_000_000;
  return (
    (usage.input_tokens * p.input) / m +
    (usage.output_tokens * p.output) / m +
    ((usage.cache_read_input_tokens ?? 0) * (p.cacheRead ?? p.input * 0.1)) / m +
    ((usage.cache_creation_input_tokens ?? 0) * (p.cacheWrite ?? p.input * 1.25)) / m
  );
}
