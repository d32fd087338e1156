/**
 * The journal's events: journal.jsonl holds one per line, stamped with the time and the
 * writer's epoch. They are the coordinator's state: engine/subtasks.ts folds them, live
 * and on resume, through one function.
 */
import type { Plan } from './plan.js';
import type { Role } from './roles.js';
import type { Usage } from './usage.js';

/** Extra per-subtask settings a pattern may attach to its plan. */
export interface SubtaskExtras {
  /** Model id for this subtask's worker (debate runs each debater on its own model). */
  model?: string;
  /** The worker stays for further rounds (reflect). */
  persistent?: boolean;
}

/** What a failed attempt leads to, decided when it is journaled and never re-decided. */
export type FailureNext = 'retry' | 'continue' | 'final' | 'fallback';

/** The status a pattern's verdict ends the session with. */
export type VerdictStatus = 'completed' | 'failed' | 'needs_human' | 'interrupted';

/** What a person is asked for: a tool call to approve, or a question to answer. */
export type PersonRequestKind = 'approval' | 'question';
/** How a person replied. */
export type PersonReplyKind = 'approval' | 'denial' | 'answer';

export type JournalEvent =
  | { type: 'session_started'; task: string; pid: number }
  | { type: 'session_resumed'; pid: number; previousPid?: number }
  | { type: 'plan'; plan: Plan; extras?: Record<string, SubtaskExtras> }
  /** `spare`: the attempt was handed to this warm spare's process (it became `agent`), not a fresh one. */
  | {
      type: 'spawn';
      subtask: string;
      agent: string;
      role?: string;
      attempt: number;
      pid: number;
      host?: string;
      /** The model the worker runs on (its agent's own, the pattern's, or the session's): usage is priced by it. */
      model?: string;
      spare?: string;
      /**
       * When the launch began (Date.now(), before the process was started or the spare handed
       * over); the line itself is written after, and the worker may have beaten by then.
       */
      at?: number;
    }
  /** A warm spare process was started, idle until a `spawn` with `spare` names it. */
  | { type: 'spare'; agent: string; pid: number }
  /** A spare ended without a subtask (session end, surplus, or found idle on resume). */
  | { type: 'spare_ended'; agent: string; reason: string }
  | { type: 'started'; subtask: string; agent: string; attempt: number; pid: number }
  | { type: 'progress'; subtask: string; agent: string; attempt: number; turn: number; usage: Usage }
  /**
   * A resumed coordinator found the attempt's worker alive and took it over. `spare`: that
   * worker is this warm spare's process, handed the subtask by a coordinator that died
   * before journaling the `spawn` (the reattach then stands for that spawn).
   */
  | { type: 'reattach'; subtask: string; agent: string; attempt: number; pid: number; spare?: string }
  | {
      type: 'result';
      subtask: string;
      agent: string;
      attempt: number;
      /** The worker's own round number (a respawned persistent worker counts from 1 again). */
      round?: number;
      output: string;
      structured?: unknown;
      usage: Usage;
      turns: number;
      messageId: string;
    }
  | {
      type: 'failure';
      subtask: string;
      agent: string;
      attempt: number;
      error: string;
      code: string;
      /** The subtask's current agent failed for good (a fallback may still take over). */
      final: boolean;
      /** Absent in journals written before the engine existed: then derived from `final` and `code`. */
      next?: FailureNext;
      /** For `next: fallback`: the new agent that takes the subtask over. */
      fallback?: { agent: string; role: Role };
      /** The worker was lost together with its coordinator: counted apart from attempts. */
      hostLost?: boolean;
      messageId?: string;
    }
  /** A subtask's last word while its worker is being stopped at the end (persistent ones). */
  | { type: 'settled'; subtask: string; agent: string; status: 'completed' | 'failed'; error?: string }
  /** The coordinator's model asked for another run of a subtask (spawn_worker). */
  | { type: 'requeue'; subtask: string; instructions?: string }
  | { type: 'terminate'; subtask?: string; agent: string; reason: string; step: 'shutdown' | 'SIGTERM' | 'SIGKILL' | 'gone' }
  /** A pattern's own state (reflect's round and last review, a route decision); replaces the previous one. */
  | { type: 'pattern'; pattern: string; state: Record<string, unknown>; handled?: { subtask: string; round: number } }
  /** A pattern reached its answer before synthesis (reflect's accept or needs_human). */
  | { type: 'verdict'; status: VerdictStatus; text: string; reason?: string; extra?: Record<string, unknown> }
  /** A request to a person appeared in agents/human/ (sentAt: when its requester sent it). */
  | { type: 'request'; id: string; kind: PersonRequestKind; agent: string; subtask?: string; tool?: string; summary: string; origin?: string; sentAt: number }
  /** A person's reply to a request (at: when the reply was written). */
  | { type: 'reply'; id: string; kind: PersonReplyKind; text?: string; at: number }
  | { type: 'synthesis_started' }
  | { type: 'synthesis'; text: string; usage: Usage; status?: string; reason?: string }
  | { type: 'decision'; what: string; why: string; [key: string]: unknown }
  | { type: 'session_ended'; status: string; reason?: string };

export type JournalEntry = JournalEvent & { t: number; epoch: number };
