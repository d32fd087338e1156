/**
 * The scheduler: which subtasks may start now (their dependencies met, under maxWorkers),
 * which can never start (a dependency failed for good), and whether the plan has settled.
 * Pure functions of the subtask table.
 */
import type { SettledSubtask } from './policy.js';
import { subtasksOf, type EngineState, type SubtaskState } from './subtasks.js';

/**
 * A dependency is met when it completed, or when a persistent worker has a first result
 * (even while a lost one waits to be respawned: its result stands).
 */
export function isSatisfied(state: EngineState, id: string): boolean {
  const d = state.subtasks[id];
  return d !== undefined && (d.status === 'completed' || (d.persistent === true && d.status !== 'failed' && d.output !== undefined));
}

/**
 * Pending subtasks whose dependencies are met, in plan order, as many as may start now.
 * `mayRespawn` lets the pattern hold back a persistent subtask lost between rounds until
 * it has something to do.
 */
export function readyToStart(state: EngineState, maxWorkers: number, mayRespawn: (id: string) => boolean = () => true): SubtaskState[] {
  const all = subtasksOf(state);
  const free = maxWorkers - all.filter((s) => s.status === 'running').length;
  if (free <= 0) return [];
  return all
    .filter((s) => s.status === 'pending' && s.subtask.dependsOn.every((d) => isSatisfied(state, d)))
    .filter((s) => !(s.persistent && s.round !== undefined) || mayRespawn(s.subtask.id))
    .slice(0, free);
}

/** Pending subtasks that can never run, each with the failed dependencies that block it. */
export function blockedSubtasks(state: EngineState): Array<{ subtask: SubtaskState; failed: string[] }> {
  return subtasksOf(state)
    .filter((s) => s.status === 'pending')
    .map((s) => ({ subtask: s, failed: s.subtask.dependsOn.filter((d) => state.subtasks[d]?.status === 'failed') }))
    .filter((b) => b.failed.length > 0);
}

/** Every subtask completed or failed for good. */
export function allSettled(state: EngineState): boolean {
  return subtasksOf(state).every((s) => s.status === 'completed' || s.status === 'failed');
}

/** The settled subtasks as the failure policy sees them. */
export function settledForPolicy(state: EngineState): SettledSubtask[] {
  return subtasksOf(state).map((s) => ({ subtask: s.subtask, agent: s.agentId, ok: s.status === 'completed', ...(s.error !== undefined ? { reason: s.error } : {}) }));
}

/** The results and failures so far, in plan order, as synthesis sees them. */
export function collected(state: EngineState) {
  const all = subtasksOf(state);
  return {
    outputs: all
      .filter((s) => s.output !== undefined && (s.status === 'completed' || s.persistent))
      .map((s) => ({ subtask: s.subtask.id, agent: s.agentId, role: s.role, output: s.output ?? '', ...(s.model ? { model: s.model } : {}) })),
    failures: all.filter((s) => s.status === 'failed').map((s) => ({ subtask: s.subtask.id, agent: s.agentId, role: s.role, reason: s.error ?? 'failed' })),
  };
}
