/** A worker's limits: one schema for session options, agent.json and the `assign` message. */
import { z } from 'zod';

export const WorkerLimitsSchema = z.object({
  /** Model turns a worker may take. */
  maxTurns: z.number().int().positive().default(12),
  /** Input plus output tokens a worker may spend. */
  maxTokens: z.number().int().positive().default(400_000),
  /** Wall-clock limit of one worker attempt, in ms. */
  wallClockMs: z.number().int().positive().default(10 * 60_000),
});
export type WorkerLimits = z.output<typeof WorkerLimitsSchema>;
