/**
 * An orchestration pattern: how the plan is made, how results are reacted to, and how the
 * final answer is produced. Every pattern runs on the same engine (the coordinator's
 * processes, mailboxes, journal, supervision and budgets), so every one is inspectable and
 * supervised the same way.
 */
import type { AgentDefinition } from '../agents/schema.js';
import type { Plan } from '../contracts/plan.js';
import type { Model, Usage } from '../model/types.js';
import type { WorkerFailureForSynthesis, WorkerOutputForSynthesis } from '../prompts.js';
import type { z } from 'zod/mini';
import type { VerdictStatus } from '../contracts/journal.js';
import type { PatternName } from '../contracts/patterns.js';
import type { SessionRecord, SessionStatus } from '../session/records.js';

export interface PatternContext {
  model: Model;
  record: SessionRecord;
  /** The session's agent catalogue: a plan's roles name these agents. */
  agents: AgentDefinition[];
  signal?: AbortSignal;
  /** Records a model call made by the coordinator (for usage.json). */
  addCall(model: string, usage: Usage, calls?: number): void;
  /** Records a decision in decisions.jsonl and the journal. */
  decide(what: string, why: string, extra?: Record<string, unknown>): Promise<void>;
  /** The pattern's own state, as journaled so far (survives a coordinator crash). */
  state(): Record<string, unknown> | undefined;
  /** Journals the pattern's new state (a `pattern` event); resume folds it back. */
  saveState(state: Record<string, unknown>): Promise<void>;
}

export type { SubtaskExtras } from '../contracts/journal.js';
import type { SubtaskExtras } from '../contracts/journal.js';

export interface PatternPlan {
  plan: Plan;
  extras?: Record<string, SubtaskExtras>;
}

/** What the engine lets a pattern do when a result arrives. */
export interface ResultApi {
  /**
   * Sends a `message` to a worker's mailbox (it arrives between its turns, or starts its
   * next round). Give a fixed `id` so that a resend after a crash is deduplicated.
   */
  send(agentId: string, text: string, id?: string): Promise<void>;
  /** Ends the session with this answer and status (journaled as a `verdict`). */
  finishWith(status: VerdictStatus, text: string, reason?: string, extra?: Record<string, unknown>): Promise<void>;
  agentOf(subtaskId: string): string;
  /**
   * Asks a person (the session's `human` mailbox); `key` fixes the request's id, so a
   * repeat after a crash is the same request. Resolves with the id once it is sent; the
   * answer comes to `onAnswer`. Refused (resolves undefined) with `--no-human`.
   */
  askHuman(q: { key: string; subtask: string; question: string; context?: string }): Promise<string | undefined>;
}

export interface ResultInfo {
  subtask: string;
  agent: string;
  round: number;
  output: string;
  structured?: unknown;
}

export interface FinalAnswer {
  text: string;
  status?: SessionStatus;
  reason?: string;
}

export interface PatternDriver {
  readonly name: string;
  plan(ctx: PatternContext): Promise<PatternPlan>;
  /** Reacts to a result of a persistent worker; return true to keep it running for more rounds. */
  onResult?(ctx: PatternContext, result: ResultInfo, api: ResultApi): Promise<boolean>;
  /** A person answered a question this pattern asked (with `api.askHuman`). */
  onAnswer?(ctx: PatternContext, answer: { request: string; text: string }, api: ResultApi): Promise<void>;
  /**
   * Extra context for a persistent subtask respawned after its worker was lost between
   * rounds: what the lost worker knew (the last draft and review), so that the fresh one
   * picks up the round it was in.
   */
  respawnContext?(ctx: PatternContext, subtask: string): string | undefined;
  /** Whether a persistent subtask lost between rounds may be respawned now (it has work to do). */
  canRespawn?(ctx: PatternContext, subtask: string): boolean;
  finish(ctx: PatternContext, outputs: WorkerOutputForSynthesis[], failures: WorkerFailureForSynthesis[]): Promise<FinalAnswer>;
}

/**
 * A pattern as the registry holds it: its name, the schema of its options (nested under
 * its name in the session options), and how to make its driver from them.
 */
export interface PatternDefinition<S extends z.ZodMiniType = z.ZodMiniType> {
  readonly name: PatternName;
  readonly optionsSchema: S;
  create(options: z.output<S>): PatternDriver;
}
