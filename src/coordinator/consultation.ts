/**
 * Live coordination: carries out what the coordinator's model decides about a worker event
 * (answer, steer, stop, restart), and keeps the progressive draft. The model call itself
 * is in consult.ts; restarts go through the journal as `requeue` events.
 */
import { subtasksOf } from '../engine/subtasks.js';
import { COORDINATOR_ID } from '../session/layout.js';
import { writeSessionRecord } from '../session/store.js';
import { collected } from '../engine/scheduler.js';
import { consultCoordinator } from '../calls/consult.js';
import type { ConsultEvent, CoordinatorCore } from './core.js';
import { synthesizeDraft } from '../calls/synthesis.js';
import { stopInBackground } from './workers.js';
import { askPerson } from './people.js';

/** Asks the coordinator's model what to do about an event, and carries out its tool calls. */
export async function consult(core: CoordinatorCore, event: ConsultEvent): Promise<void> {
  if (core.stopping || core.state.verdict) return;
  const all = subtasksOf(core.state);
  const running = all.filter((x) => x.status === 'running').map((x) => ({ agent: x.agentId, subtask: x.subtask.id, role: x.role }));
  const canAskHuman = event.kind === 'question' && !core.options.noHuman && event.questionId !== undefined;
  const outcome = await consultCoordinator(core.model, core.record.models.coordinator, core.record.task, event, running, core.signal, canAskHuman);
  core.ledger.addCall(COORDINATOR_ID, outcome.model, outcome.usage);
  let answered = false;
  for (const action of outcome.actions) {
    await core.decide(action.tool, action.why, { event: event.kind, agent: event.agent, input: action.input });
    if (action.tool === 'send_message') {
      const target = subtasksOf(core.state).find((x) => x.agentId === action.input.agent && x.status === 'running');
      if (!target) continue;
      const replyTo = event.kind === 'question' && target.agentId === event.agent ? event.questionId : undefined;
      if (replyTo) answered = true;
      await core.sender.send(target.agentId, 'message', { text: action.input.text }, replyTo ? { replyTo } : {});
    } else if (action.tool === 'ask_human') {
      // The coordinator cannot answer: a person does, and their answer goes to the worker.
      const asker = subtasksOf(core.state).find((x) => x.agentId === event.agent);
      if (!asker || !event.questionId) continue;
      await askPerson(core, { key: event.questionId, subtask: asker.subtask.id, question: action.input.question, origin: 'consult', agent: event.agent, context: `The worker ${event.agent} asked: ${event.text}`, forQuestion: event.questionId });
      answered = true;
    } else if (action.tool === 'terminate_worker') {
      const target = subtasksOf(core.state).find((x) => x.agentId === action.input.agent);
      if (target && target.status === 'running') stopInBackground(core, target.subtask.id, 'E_TERMINATED', `terminated by the coordinator: ${action.input.reason}`);
    } else if (action.tool === 'spawn_worker') {
      const target = core.state.subtasks[action.input.subtask];
      if (target && (target.status === 'failed' || target.status === 'pending')) {
        await core.commit({ type: 'requeue', subtask: target.subtask.id, ...(action.input.instructions ? { instructions: action.input.instructions } : {}) });
        core.wake();
      }
    }
  }
  if (event.kind === 'question' && !answered) {
    // Never leave a worker waiting on a question nobody will answer.
    const asker = subtasksOf(core.state).find((x) => x.agentId === event.agent && x.status === 'running');
    const text = outcome.text || 'The coordinator has no specific answer: use your best judgement and state your assumptions.';
    if (asker) await core.sender.send(asker.agentId, 'message', { text }, { replyTo: event.questionId });
  }
}

/** Progressive synthesis: a running draft from the results so far, in session.json and on stderr. */
export async function updateDraft(core: CoordinatorCore): Promise<void> {
  if (core.stopping || core.state.verdict) return;
  const { outputs, failures } = collected(core.state);
  const r = await synthesizeDraft(core.model, core.record.models.coordinator, core.record.task, outputs, failures, core.signal);
  core.ledger.addCall(COORDINATOR_ID, r.model, r.usage, r.calls);
  const record = { ...core.record, draft: r.text };
  core.setRecord(record);
  await writeSessionRecord(core.dir, record);
  await core.commit({ type: 'decision', what: 'draft', why: `draft from ${outputs.length} result(s)`, chars: r.text.length });
  core.bus.emit({ type: 'draft', text: r.text });
}
