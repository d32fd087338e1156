/** An agent's own limits, where its definition sets them, over the session's. */
import type { WorkerLimits } from '../config.js';
import type { AgentDefinition } from './schema.js';

export function limitsFor(def: Pick<AgentDefinition, 'maxTurns' | 'maxTokens' | 'timeout'> | undefined, session: WorkerLimits): WorkerLimits {
  return {
    maxTurns: def?.maxTurns ?? session.maxTurns,
    maxTokens: def?.maxTokens ?? session.maxTokens,
    wallClockMs: def?.timeout !== undefined ? Math.round(def.timeout * 1000) : session.wallClockMs,
  };
}
