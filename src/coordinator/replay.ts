/**
 * What a resumed coordinator takes from its session folder before it goes on: the state,
 * folded from the journal by the same function the live run applies, and the usage already
 * paid for. Nothing here changes state; the coordinator installs what this returns.
 */
import type { EngineState } from '../engine/subtasks.js';
import { fold, subtasksOf } from '../engine/subtasks.js';
import { Journal } from '../session/journal.js';
import { COORDINATOR_ID, sessionPaths } from '../session/layout.js';
import type { UsageLedger, UsageReport } from '../session/usage.js';
import { readJsonIfExists } from '../util/fs.js';
import type { CoordinatorCore } from './core.js';
import { handlePatternResult } from './messages.js';

/** Folds the journal, and books the earlier calls into `ledger`; `workerModel` prices older journals' workers. */
export async function foldPrevious(dir: string, ledger: UsageLedger, workerModel: string): Promise<EngineState> {
  const entries = await Journal.read(sessionPaths(dir).journal);
  // The coordinator's own earlier calls (plan, consultations) are only in usage.json.
  const previous = await readJsonIfExists<UsageReport>(sessionPaths(dir).usage);
  const mine = previous?.agents[COORDINATOR_ID];
  if (mine) ledger.addCall(COORDINATOR_ID, mine.model, mine.usage, mine.calls);
  // Priced by the model each worker ran on, as its spawn journaled it (older journals: the session's).
  const ranOn = new Map<string, string>();
  for (const e of entries) {
    if (e.type === 'spawn' && e.model) ranOn.set(e.agent, e.model);
    if (e.type === 'result') ledger.setAttempt(e.agent, ranOn.get(e.agent) ?? workerModel, e.attempt, e.usage, e.turns);
  }
  return fold(entries);
}

/** Rounds journaled before the crash that the pattern never got to react to. */
export async function rehandlePatternResults(core: CoordinatorCore): Promise<void> {
  for (const s of subtasksOf(core.state)) {
    if (!s.persistent || s.round === undefined || s.status !== 'running') continue;
    if ((core.state.handledRounds[s.subtask.id] ?? 0) < s.round) await handlePatternResult(core, s.subtask.id);
  }
}
