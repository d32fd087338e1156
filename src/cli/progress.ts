/**
 * Plain progress lines on stderr: one timestamped line per event. Used when stderr is not
 * a terminal (CI, pipes, files), and as the base of the live view.
 */
import type { SessionEvent } from '../coordinator/events.js';
import { oneLine } from './inspect/format.js';

export interface ProgressWriter {
  write(text: string): void;
}

/** One line for an event, or undefined for events not worth a line (per-turn progress). */
export function formatEvent(e: SessionEvent): string | undefined {
  switch (e.type) {
    case 'session_started':
      return `session ${e.sessionId} ${e.resumed ? 'resumed' : 'started'} (provider: ${e.provider}) in ${e.sessionDir}`;
    case 'notice':
      return `note: ${e.message}`;
    case 'plan':
      return [
        `plan: ${e.plan.subtasks.length} subtask(s), failure policy ${typeof e.plan.failurePolicy === 'object' ? `quorum ${e.plan.failurePolicy.quorum}` : e.plan.failurePolicy}`,
        ...e.plan.subtasks.map((s) => `  - ${s.id} [${s.role}]${s.dependsOn.length ? ` after ${s.dependsOn.join(', ')}` : ''}${s.required ? ' (required)' : ''}: ${s.description.slice(0, 100)}`),
      ].join('\n');
    case 'worker_spawned':
      return `${e.agent} spawned for ${e.subtask} (pid ${e.pid}, attempt ${e.attempt})`;
    case 'worker_started':
      return `${e.agent} started (pid ${e.pid})`;
    case 'worker_reattached':
      return `${e.agent} reattached (pid ${e.pid})`;
    case 'progress':
      return undefined;
    case 'result':
      return e.reused
        ? `${e.agent} result reused from before the resume (${e.subtask})`
        : `${e.agent} finished ${e.subtask} (${e.pid ? `pid ${e.pid}, ` : ''}attempt ${e.attempt})`;
    case 'failure':
      return `${e.agent} ${e.final ? 'failed' : 'failed, will retry'}: ${e.error}`;
    case 'terminated':
      return `${e.agent} termination: ${e.step} (${e.reason})`;
    case 'synthesis_started':
      return 'synthesizing the answer';
    case 'synthesis_done':
      return 'synthesis done';
    case 'draft':
      return `draft updated (${e.text.length} characters)`;
    case 'session_ended':
      return `session ${e.status}${e.reason ? `: ${e.reason}` : ''}`;
    case 'approval_requested':
      return `${e.agent} asks to run ${oneLine(e.summary)}: approve with\n         ${e.command}   (or deny … --reason "...")`;
    case 'question_asked':
      return `${e.agent} asks a person: ${oneLine(e.question.length > 200 ? `${e.question.slice(0, 200)}…` : e.question)}\n         answer with ${e.command} "..."`;
    case 'request_answered':
      return `request ${e.request} (${e.agent}): ${e.kind === 'approval' ? 'approved' : e.kind === 'denial' ? 'denied' : 'answered'}`;
  }
}

export function timestamp(t: number): string {
  return new Date(t).toISOString().slice(11, 19);
}

/** A listener that writes plain lines. */
export function plainProgress(out: ProgressWriter, opts: { quiet?: boolean } = {}) {
  return (e: SessionEvent & { t: number }) => {
    // A request to a person is shown even with --quiet: nothing moves until someone answers.
    const forPeople = e.type === 'approval_requested' || e.type === 'question_asked';
    if (opts.quiet && !forPeople && !(e.type === 'failure' && e.final) && !(e.type === 'session_ended' && e.status !== 'completed')) return;
    const line = formatEvent(e);
    if (line) out.write(`[${timestamp(e.t)}] ${line}\n`);
  };
}
