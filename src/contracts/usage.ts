/** Token usage in the Messages API's shape: one schema for messages, journal and usage.json. */
import * as z from './mini.js';

export const UsageSchema = z.object({
  input_tokens: z.nonNegativeInt(),
  output_tokens: z.nonNegativeInt(),
  cache_read_input_tokens: z.optional(z.nonNegativeInt()),
  cache_creation_input_tokens: z.optional(z.nonNegativeInt()),
});
export type Usage = z.infer<typeof UsageSchema>;

/** Adds two usages, treating absent cache counts as zero. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_read_input_tokens: (a.cache_read_input_tokens ?? 0) + (b.cache_read_input_tokens ?? 0),
    cache_creation_input_tokens: (a.cache_creation_input_tokens ?? 0) + (b.cache_creation_input_tokens ?? 0),
  };
}

export const ZERO_USAGE: Usage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};
