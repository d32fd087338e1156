/**
 * The supervisor's judgement: given what was observed of a running worker (pid alive,
 * heartbeat age, the clock) and its state, says whether it must be stopped and why. Also
 * the worker-limit and budget checks. Pure: the coordinator observes, calls these, and
 * turns a verdict into termination and a journaled failure.
 */
import type { SubtaskState } from './subtasks.js';

/** A spawned worker that has not said `started` by then is treated as crashed. */
export const STARTUP_LIMIT_MS = 60_000;

export interface SupervisionRules {
  heartbeatIntervalMs: number;
  heartbeatMisses: number;
  wallClockMs: number;
  shutdownGraceMs: number;
}

export interface Observation {
  now: number;
  alive: boolean;
  /** Age of the heartbeat file's mtime, if it exists. */
  heartbeatAgeMs?: number;
  /** The worker waits for a person: idle, not hung, and its wall clock is stopped. */
  waiting?: boolean;
}

export type SupervisionVerdict = { kind: 'dead' } | { kind: 'stop'; code: 'E_NO_HEARTBEAT' | 'E_LIMIT' | 'E_CRASHED'; reason: string };

/** What to do about one running worker, or undefined when it is fine. */
export function superviseWorker(s: SubtaskState, o: Observation, rules: SupervisionRules): SupervisionVerdict | undefined {
  if (!o.alive) return { kind: 'dead' };
  const staleAfter = rules.heartbeatIntervalMs * rules.heartbeatMisses;
  const sinceSpawn = o.now - (s.spawnedAt ?? o.now);
  // A heartbeat older than this spawn is the previous attempt's: the new one is still
  // starting up, which only the start-up limit below governs.
  const heartbeat = o.heartbeatAgeMs !== undefined && o.heartbeatAgeMs < sinceSpawn ? o.heartbeatAgeMs : undefined;
  // Idle means no heartbeat AND no message: a worker that reports progress is alive.
  const heard = s.lastHeardAt !== undefined && s.lastHeardAt >= (s.spawnedAt ?? 0) ? o.now - s.lastHeardAt : undefined;
  const age = heartbeat === undefined ? undefined : Math.min(heartbeat, heard ?? heartbeat);
  // The worker enforces its own wall clock from `started`; this is the backstop for one
  // too wedged to do so (a grace later), or one that never got as far as starting.
  // Time spent waiting for people is not the attempt's: its wall clock stops meanwhile.
  const sinceStart = s.startedAt !== undefined ? o.now - s.startedAt - (s.waitedMs ?? 0) : undefined;
  if (age !== undefined && age > staleAfter) {
    return { kind: 'stop', code: 'E_NO_HEARTBEAT', reason: `no heartbeat and no message for ${Math.round(age)} ms (limit ${staleAfter} ms)` };
  }
  if (!o.waiting && sinceStart !== undefined && sinceStart > rules.wallClockMs + rules.shutdownGraceMs) {
    return { kind: 'stop', code: 'E_LIMIT', reason: `wall-clock limit reached (${rules.wallClockMs} ms)` };
  }
  if (sinceStart === undefined && sinceSpawn > STARTUP_LIMIT_MS) {
    return { kind: 'stop', code: 'E_CRASHED', reason: `did not start within ${STARTUP_LIMIT_MS / 1000} s of being spawned` };
  }
  return undefined;
}

/** A worker over its turn or token limit (a persistent one gets its limits per round), or undefined. */
export function overWorkerLimits(turns: number, tokens: number, limits: { maxTurns: number; maxTokens: number }, rounds: number): string | undefined {
  if (turns > limits.maxTurns * rounds) return `over its turn limit (${turns} of ${limits.maxTurns * rounds} turns)`;
  if (tokens > limits.maxTokens * rounds) return `over its token limit (${tokens} of ${limits.maxTokens * rounds} tokens)`;
  return undefined;
}

/** Why the session's budget is exhausted, or undefined. */
export function overBudget(used: { tokens: number; costUsd?: number }, budget: { budgetTokens?: number; budgetUsd?: number }): string | undefined {
  let why: string | undefined;
  if (budget.budgetTokens !== undefined && used.tokens >= budget.budgetTokens) why = `${used.tokens} tokens used of a ${budget.budgetTokens}-token budget`;
  if (budget.budgetUsd !== undefined && (used.costUsd ?? 0) >= budget.budgetUsd) why = `$${used.costUsd} spent of a $${budget.budgetUsd} budget`;
  return why;
}
