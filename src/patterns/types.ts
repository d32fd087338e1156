/**
 * An orchestration pattern: how the plan is made, how results are reacted to, and how the
 * final answer is produced. Every pattern runs on the same engine (the coordinator's
 * processes, mailboxes, journal, supervision and budgets), so every one is inspectable and
 * supervised the same way.
 */
import type { AgentDefinition } from '../agents/schema.js';
import type { Plan } from '../coordinator/plan.js';
import type { Model, Usage } from '../model/types.js';
import type { WorkerFailureForSynthesis, WorkerOutputForSynthesis } from '../prompts.js';
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
}

/** Extra per-subtask settings a pattern may attach to its plan. */
export interface SubtaskExtras {
  /** Model id for this subtask's worker (debate runs each debater on its own model). */
  model?: string;
  /** The worker stays for further rounds (reflect). */
  persistent?: boolean;
}

export interface PatternPlan {
  plan: Plan;
  extras?: Record<string, SubtaskExtras>;
}

/** What the engine lets a pattern do when a result arrives. */
export interface ResultApi {
  /** Sends a `message` to a worker's mailbox (it arrives between its turns, or starts its next round). */
  send(agentId: string, text: string): Promise<void>;
  /** Ends the session with this answer and status. */
  finishWith(status: SessionStatus, text: string, reason?: string, extra?: Record<string, unknown>): void;
  agentOf(subtaskId: string): string;
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
  finish(ctx: PatternContext, outputs: WorkerOutputForSynthesis[], failures: WorkerFailureForSynthesis[]): Promise<FinalAnswer>;
}
