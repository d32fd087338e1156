/** How gathering ends: subtasks whose dependency failed fail too, and the answer is synthesized. */
import type { Transcript } from '../agent/transcript.js';
import { blockedSubtasks, collected } from '../engine/scheduler.js';
import { ZERO_USAGE } from '../model/types.js';
import { COORDINATOR_ID } from '../session/layout.js';
import type { CoordinatorCore } from './core.js';

/** A subtask whose dependency failed for good cannot run: it fails too, naming why. */
export async function failBlocked(core: CoordinatorCore): Promise<void> {
  for (const { subtask: s, failed } of blockedSubtasks(core.state)) {
    const error = `not run: its dependency ${failed.join(', ')} failed`;
    await core.commit({ type: 'failure', subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, error, code: 'E_DEPENDENCY', final: true, next: 'final' });
    core.bus.emit({ type: 'failure', subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, error, final: true });
  }
}

/** The final answer: the pattern's verdict if it reached one, else the pattern's finish (synthesis). */
export async function synthesize(core: CoordinatorCore, transcript: Transcript): Promise<void> {
  const v = core.state.verdict;
  if (v) {
    if (v.extra) core.setRecord({ ...core.record, ...v.extra });
    await core.commit({ type: 'synthesis', text: v.text, usage: { ...ZERO_USAGE }, status: v.status, ...(v.reason ? { reason: v.reason } : {}) });
    core.bus.emit({ type: 'synthesis_done', text: v.text });
    return;
  }
  const { outputs, failures } = collected(core.state);
  await core.commit({ type: 'synthesis_started' });
  core.bus.emit({ type: 'synthesis_started' });
  const before = core.ledger.report().agents[COORDINATOR_ID]?.usage ?? ZERO_USAGE;
  const answer = await core.pattern.finish(core.patternCtx, outputs, failures);
  const after = core.ledger.report().agents[COORDINATOR_ID]?.usage ?? ZERO_USAGE;
  const usage = { input_tokens: after.input_tokens - before.input_tokens, output_tokens: after.output_tokens - before.output_tokens };
  await core.commit({ type: 'synthesis', text: answer.text, usage, ...(answer.status ? { status: answer.status } : {}), ...(answer.reason ? { reason: answer.reason } : {}) });
  transcript.note(`synthesis (${outputs.length} result(s), ${failures.length} failure(s))`);
  core.bus.emit({ type: 'synthesis_done', text: answer.text });
}
