/**
 * What the coordinator's parts share: the folded state, the one way to change it (commit:
 * journal first, then apply), the mailbox sender, and the session's stop switch. The
 * coordinator implements it; workers.ts, messages.ts and consultation.ts act through it.
 */
import type { JournalEntry, JournalEvent } from '../contracts/journal.js';
import type { EngineState, SubtaskState } from '../engine/subtasks.js';
import { MailroomError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BodyOf } from '../mailbox/index.js';
import type { MailboxTransport, TransportReader, TransportSender } from '../mailbox/transport.js';
import type { Model } from '../model/types.js';
import type { SessionOptions } from '../config.js';
import type { PatternContext, PatternDriver } from '../patterns/types.js';
import type { SessionRecord, SessionStatus } from '../session/records.js';
import type { UsageLedger } from '../session/usage.js';
import type { AgentCatalogue } from '../agents/catalogue.js';
import type { LaunchedWorker, WorkerLauncher } from '../engine/process/launcher.js';
import type { EventBus } from './events.js';

/** Interrupts the main loop with a status other than completed. */
export class StopSession extends MailroomError {
  constructor(
    readonly status: SessionStatus,
    message: string,
    /** Another coordinator owns the session now: write nothing, stop no worker. */
    readonly fenced = false,
  ) {
    super('E_STOP', message);
  }
}

/** Supervision bookkeeping of one attempt that is not state (it never reaches the journal). */
export interface AttemptRuntime {
  /** The termination ladder is running on it. */
  terminating?: boolean;
  /** Why the coordinator is stopping it; wins over what the worker says as it goes. */
  terminationCause?: { code: string; reason: string };
  /** A failure of this attempt is being journaled right now. */
  failing?: boolean;
  /** The spawn in flight: messages from the new worker wait for it. */
  spawning?: Promise<void>;
}

/** Where an attempt may find a warm spare process instead of a fresh one (coordinator/spares.ts). */
export interface SpareSource {
  take(s: SubtaskState): TakenSpare | undefined;
  /** Ends this idle spare (an operator's kill), journaled; false if it is not an idle spare of this pool. */
  endIdle(agentId: string, reason: string): boolean;
}

/** An idle spare taken for an attempt: handOver makes it the agent (before the spawn is journaled). */
export interface TakenSpare {
  agentId: string;
  worker: LaunchedWorker;
  handOver(agentId: string, assign: BodyOf<'assign'>): Promise<void>;
}

export interface ConsultEvent {
  kind: 'question' | 'failure';
  agent: string;
  text: string;
  questionId?: string;
}

export interface CoordinatorCore {
  readonly dir: string;
  readonly record: SessionRecord;
  readonly options: SessionOptions;
  readonly model: Model;
  readonly ledger: UsageLedger;
  readonly bus: EventBus;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv | undefined;
  /** Where workers run: local child processes, or worker hosts (redis). */
  readonly launcher: WorkerLauncher;
  /** Warm spares (`--warm`); absent or empty: every attempt starts a fresh process. */
  readonly spares?: SpareSource;
  /** The session's agents: a subtask's role names one. */
  readonly catalogue: AgentCatalogue;
  readonly signal: AbortSignal | undefined;
  readonly forceSignal: AbortSignal | undefined;
  /** The session's mailboxes (Maildir, or Redis streams with the redis transport). */
  readonly transport: MailboxTransport;
  readonly sender: TransportSender;
  readonly reader: TransportReader | undefined;
  readonly pattern: PatternDriver;
  readonly patternCtx: PatternContext;
  /** The state as folded so far. */
  readonly state: EngineState;
  /** The session is stopping (interrupt, budget, policy, a broken journal, a takeover). */
  readonly stopping: StopSession | undefined;
  /** Journals an event, then applies it. Throws (and stops the session) if the write fails. */
  commit(event: JournalEvent): Promise<JournalEntry>;
  /** Like commit, but during shutdown: a failure is logged, not thrown. */
  tryCommit(event: JournalEvent): Promise<void>;
  sub(id: string): SubtaskState;
  runtime(id: string): AttemptRuntime;
  stopWith(stop: StopSession): void;
  wake(): void;
  /** Runs coordinator work (consultations, drafts) in order, off the mailbox pump. */
  enqueue(job: () => Promise<void>): void;
  /** Asks the coordinator's model about a worker event and carries out its actions. */
  consult(event: ConsultEvent): Promise<void>;
  /** A coordinator decision, for people: decisions.jsonl and the journal. */
  decide(what: string, why: string, extra?: Record<string, unknown>): Promise<void>;
  setRecord(record: SessionRecord): void;
}
