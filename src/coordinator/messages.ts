/**
 * The coordinator's mailbox handler: turns each worker message into journal events
 * (started, progress, result, failure) and what follows from them, and carries out
 * termination requests. Handlers are idempotent by message id and by attempt: a duplicate
 * or a message of an earlier attempt changes nothing.
 */
import type { Envelope, EnvelopeOf } from '../mailbox/index.js';
import { crashPoint } from '../faults.js';
import { findByAgent, openRequests, subtasksOf } from '../engine/subtasks.js';
import { StopSession, type CoordinatorCore } from './core.js';
import { overBudget } from '../engine/supervisor.js';
import { BudgetExhaustedError } from '../errors.js';
import { updateDraft } from './consultation.js';
import { resultApi, syncPeople } from './people.js';
import { HUMAN_ID } from '../session/layout.js';
import { isSpareId } from '../contracts/spares.js';
import { checkWorkerLimits, recordFailure, stopInBackground, updateAgent, waitGone } from './workers.js';

export async function onMessage(core: CoordinatorCore, env: Envelope): Promise<void> {
  if (env.type === 'terminate') {
    onTerminateRequest(core, env.body.agent, env.body.reason, env.from);
    return;
  }
  if (env.from === HUMAN_ID) {
    // A person answered the coordinator's question: the reply file is the record; act on it.
    await syncPeople(core);
    return;
  }
  const found = findByAgent(core.state, env.from);
  if (!found) {
    core.log.warn({ from: env.from, type: env.type }, 'message from an unknown agent');
    return;
  }
  const id = found.subtask.id;
  // A message from a worker being spawned waits until its spawn is journaled.
  await core.runtime(id).spawning;
  const s = core.sub(id);
  // A worker that waited on a person speaks again: the reply that let it go on is journaled
  // first, so the journal keeps cause before effect (and a quick session ends with it).
  if (openRequests(core.state).some((r) => r.agent === env.from)) await syncPeople(core);
  switch (env.type) {
    case 'started':
      await core.commit({ type: 'started', subtask: id, agent: s.agentId, attempt: env.body.attempt, pid: env.body.pid });
      core.bus.emit({ type: 'worker_started', subtask: id, agent: s.agentId, attempt: env.body.attempt, pid: env.body.pid });
      break;
    case 'progress':
      await core.commit({ type: 'progress', subtask: id, agent: s.agentId, attempt: s.attempt, turn: env.body.turn, usage: env.body.usage });
      core.ledger.setAttempt(s.agentId, s.runModel ?? s.model ?? core.record.models.worker, s.attempt, env.body.usage, env.body.turn);
      core.bus.emit({ type: 'progress', subtask: id, agent: s.agentId, turn: env.body.turn, usage: env.body.usage });
      checkWorkerLimits(core, id, env.body.turn, env.body.usage.input_tokens + env.body.usage.output_tokens);
      checkBudget(core);
      break;
    case 'result':
      await onResult(core, id, env);
      break;
    case 'question':
      await core.commit({ type: 'decision', what: 'question', why: env.body.question, agent: s.agentId, subtask: id });
      core.enqueue(() => core.consult({ kind: 'question', agent: s.agentId, text: env.body.question, questionId: env.id }));
      break;
    case 'failure': {
      if (s.status !== 'running' || env.body.attempt !== s.attempt || core.runtime(id).failing) {
        core.log.info({ worker: s.agentId, attempt: env.body.attempt }, 'ignoring a failure for an attempt already settled');
        break;
      }
      core.ledger.setAttempt(s.agentId, s.runModel ?? s.model ?? core.record.models.worker, env.body.attempt, env.body.usage, env.body.turns);
      checkBudget(core);
      await waitGone(core, id);
      // A worker we are stopping reports "shut down"; the reason we stopped it is the real one.
      const cause = core.runtime(id).terminationCause;
      await recordFailure(core, id, env.body.attempt, cause?.code ?? env.body.error.code, cause?.reason ?? env.body.error.message, { messageId: env.id });
      break;
    }
    default:
      core.log.warn({ type: env.type, from: env.from }, 'unexpected message type for the coordinator');
  }
}

/** An operator (`mailroom kill`) or the coordinator's model asked to stop a worker or the session. */
function onTerminateRequest(core: CoordinatorCore, agent: string | undefined, reason: string, from: string): void {
  if (!agent) {
    core.log.warn({ from, reason }, 'session termination requested');
    core.stopWith(new StopSession('interrupted', `terminated by ${from}: ${reason}`));
    return;
  }
  const why = `terminated by ${from}: ${reason}`;
  // An idle warm spare is ended as the operator asked; one already handed a subtask is that agent's worker now.
  if (isSpareId(agent)) {
    if (core.spares?.endIdle(agent, why)) {
      core.log.warn({ spare: agent, from }, 'idle spare ended on request');
      return;
    }
    const spare = core.state.spares?.[agent];
    const ranAs = spare?.status === 'assigned' ? subtasksOf(core.state).find((x) => x.agentId === spare.agent) : undefined;
    // Only while its process is still the one running that subtask (a retry runs in a fresh one).
    if (ranAs && ranAs.pid === spare!.pid) {
      onTerminateRequest(core, ranAs.agentId, reason, from);
      return;
    }
  }
  const s = subtasksOf(core.state).find((x) => x.agentId === agent);
  if (!s || s.status !== 'running') {
    core.log.warn({ agent, from }, 'termination requested for a worker that is not running');
    return;
  }
  // Not awaited: the ladder takes seconds and the mailbox pump must keep flowing meanwhile.
  stopInBackground(core, s.subtask.id, 'E_TERMINATED', why);
}

async function onResult(core: CoordinatorCore, id: string, env: EnvelopeOf<'result'>): Promise<void> {
  const s = core.sub(id);
  if (s.status === 'completed' || s.status === 'failed') return; // a duplicate delivery: the result is already journaled
  const b = env.body;
  if (s.persistent && s.round !== undefined && (s.roundBase ?? 0) + b.round <= s.round && b.attempt === s.attempt) return; // a round already journaled
  core.ledger.setAttempt(s.agentId, s.runModel ?? s.model ?? core.record.models.worker, b.attempt, b.usage, b.turns);
  await core.commit({
    type: 'result',
    subtask: id,
    agent: s.agentId,
    attempt: b.attempt,
    round: b.round,
    output: b.output,
    ...(b.structured !== undefined ? { structured: b.structured } : {}),
    usage: b.usage,
    turns: b.turns,
    messageId: env.id,
  });
  // Announce the result before anything can move on because of it (e.g. to synthesis).
  core.bus.emit({ type: 'result', subtask: id, agent: s.agentId, attempt: b.attempt, output: b.output, reused: false, ...(s.pid ? { pid: s.pid } : {}) });
  if (s.persistent) await handlePatternResult(core, id);
  else await updateAgent(core, core.sub(id), 'completed');
  await core.ledger.save();
  if (core.options.progressive) core.enqueue(() => updateDraft(core));
  crashPoint('after-first-result');
  core.wake();
}

/**
 * Lets the pattern react to a persistent worker's latest round, then journals that the
 * round was handled. On resume, a round journaled but not yet handled is handed to the
 * pattern again (its sends carry fixed ids, so a repeat is deduplicated by the worker).
 */
export async function handlePatternResult(core: CoordinatorCore, id: string): Promise<void> {
  const s = core.sub(id);
  if (!core.pattern.onResult || s.output === undefined || core.state.verdict) return;
  const round = s.round ?? 1;
  const keep = await core.pattern.onResult(core.patternCtx, { subtask: id, agent: s.agentId, round, output: s.output, structured: s.structured }, resultApi(core));
  await core.commit({ type: 'pattern', pattern: core.pattern.name, state: core.state.pattern ?? {}, handled: { subtask: id, round } });
  if (!keep) {
    await core.commit({ type: 'settled', subtask: id, agent: s.agentId, status: 'completed' });
    await updateAgent(core, core.sub(id), 'completed');
  }
}

function checkBudget(core: CoordinatorCore): void {
  const { budgetTokens, budgetUsd } = core.options;
  if (budgetTokens === undefined && budgetUsd === undefined) return;
  const report = core.ledger.report();
  const why = overBudget({ tokens: report.total.input_tokens + report.total.output_tokens, costUsd: report.costUsd }, { budgetTokens, budgetUsd });
  if (why && !core.stopping) core.stopWith(new StopSession('failed', new BudgetExhaustedError(why).message));
}
