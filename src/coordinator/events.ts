/**
 * The session's event stream, for the CLI's progress view and for library callers who
 * build their own UI. Events are plain objects; listeners must not throw.
 */
import type { Plan } from '../contracts/plan.js';
import type { Usage } from '../model/types.js';

export type SessionEvent =
  | { type: 'session_started'; sessionId: string; sessionDir: string; provider: string; resumed: boolean }
  | { type: 'plan'; plan: Plan }
  /** `spare`: the attempt was handed to this idle warm spare (no process was started for it). */
  | { type: 'worker_spawned'; subtask: string; agent: string; role: string; attempt: number; pid: number; spare?: string }
  | { type: 'worker_started'; subtask: string; agent: string; attempt: number; pid: number }
  | { type: 'worker_reattached'; subtask: string; agent: string; pid: number }
  | { type: 'progress'; subtask: string; agent: string; turn: number; usage: Usage }
  | { type: 'result'; subtask: string; agent: string; attempt: number; output: string; reused: boolean; pid?: number }
  | { type: 'failure'; subtask: string; agent: string; attempt: number; error: string; final: boolean }
  | { type: 'terminated'; agent: string; reason: string; step: string }
  | { type: 'synthesis_started' }
  | { type: 'synthesis_done'; text: string }
  | { type: 'draft'; text: string }
  | { type: 'notice'; message: string }
  /** A tool call waits for a person; `command` is what to run to approve it. */
  | { type: 'approval_requested'; request: string; agent: string; subtask?: string; tool: string; summary: string; command: string }
  /** A question waits for a person; `command` is what to run to answer it. */
  | { type: 'question_asked'; request: string; agent: string; subtask?: string; question: string; command: string }
  | { type: 'request_answered'; request: string; agent: string; kind: 'approval' | 'denial' | 'answer' }
  | { type: 'session_ended'; status: string; reason?: string };

export type SessionEventListener = (event: SessionEvent & { t: number }) => void;

/** Fans events out to listeners, isolating each from the others' exceptions. */
export class EventBus {
  private readonly listeners: SessionEventListener[] = [];

  on(listener: SessionEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(event: SessionEvent): void {
    const stamped = { ...event, t: Date.now() };
    for (const l of this.listeners) {
      try {
        l(stamped);
      } catch {
        // A broken UI must not break the session.
      }
    }
  }
}
