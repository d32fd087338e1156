/**
 * A worker's limits: defined once. `LimitsSchema` is the shape carried by the `assign`
 * message and agent.json (every field present); `WorkerLimitsSchema` is the same with
 * the defaults that session options fill in.
 */
import * as z from './mini.js';

const maxTurns = z.positiveInt();
const maxTokens = z.positiveInt();
const wallClockMs = z.positiveInt();

export const LimitsSchema = z.object({ maxTurns, maxTokens, wallClockMs });
export type Limits = z.infer<typeof LimitsSchema>;

export const WorkerLimitsSchema = z.object({
  /** Model turns a worker may take. */
  maxTurns: z._default(maxTurns, 12),
  /** Input plus output tokens a worker may spend. */
  maxTokens: z._default(maxTokens, 400_000),
  /** Wall-clock limit of one worker attempt, in ms. */
  wallClockMs: z._default(wallClockMs, 10 * 60_000),
});
export type WorkerLimits = z.output<typeof WorkerLimitsSchema>;
