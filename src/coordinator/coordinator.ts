/**
 * The coordinator orchestrates: plan, start what the scheduler says is ready, let the
 * supervisor watch, gather results under the plan's failure policy, synthesize. Its state
 * is the subtask table (engine/subtasks.ts), changed only by committing a journal event:
 * append first, then apply. A resumed coordinator folds the same journal through the same
 * function, so live and resumed runs cannot disagree.
 */
import fs from 'node:fs/promises';
import { Transcript } from '../agent/transcript.js';
import type { SessionOptions } from '../config.js';
import type { JournalEntry, JournalEvent } from '../contracts/journal.js';
import { validatePlan } from '../contracts/plan.js';
import { checkPolicy } from '../engine/policy.js';
import { allSettled, readyToStart, settledForPolicy } from '../engine/scheduler.js';
import { EMPTY_STATE, applyEvent, subtasksOf, type EngineState, type SubtaskState } from '../engine/subtasks.js';
import { JournalWriteError, MailroomError, StaleEpochError, describeError, diskFullReason } from '../errors.js';
import type { AgentCatalogue } from '../agents/catalogue.js';
import { LocalLauncher, type WorkerLauncher } from '../engine/process/launcher.js';
import { crashPoint } from '../faults.js';
import type { Logger } from '../log.js';
import { FsTransport } from '../mailbox/fs-transport.js';
import type { MailboxTransport, TransportReader, TransportSender } from '../mailbox/transport.js';
import type { Model } from '../model/types.js';
import { patternFor, type PatternDriver } from '../patterns/index.js';
import type { PatternContext } from '../patterns/types.js';
import { Journal } from '../session/journal.js';
import { COORDINATOR_ID, agentPaths, sessionPaths } from '../session/layout.js';
import type { HeldSessionLock } from '../session/lock.js';
import type { SessionRecord, SessionStatus } from '../session/records.js';
import { updateAgentRecord, writeSessionRecord } from '../session/store.js';
import type { UsageLedger, UsageReport } from '../session/usage.js';
import { appendJsonl, writeJsonAtomic, writeTextAtomic } from '../util/fs.js';
import { consult } from './consultation.js';
import { foldPrevious, rehandlePatternResults } from './replay.js';
import { StopSession, type AttemptRuntime, type ConsultEvent, type CoordinatorCore } from './core.js';
import type { EventBus } from './events.js';
import { onMessage } from './messages.js';
import { awaitingPeopleOnFailures, detach, detachStop, onlyWaiting, syncPeople } from './people.js';
import { failBlocked, synthesize } from './settle.js';
import { Waker } from './waker.js';
import { spawnSubtask, stopAllWorkers, superviseOnce } from './workers.js';
import { reconcile } from './reconcile.js';
import { SparePool, endStraySpares } from './spares.js';

export interface CoordinatorDeps {
  sessionDir: string;
  record: SessionRecord;
  lock: HeldSessionLock;
  model: Model;
  ledger: UsageLedger;
  bus: EventBus;
  logger: Logger;
  /** Aborted on Ctrl-C: workers are shut down and the session becomes `interrupted`. */
  signal?: AbortSignal;
  /** Second Ctrl-C: skip the polite shutdown message. */
  forceSignal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** The session's agents: plans name them, and each worker runs one. */
  catalogue: AgentCatalogue;
  /** Where workers run; default: local child processes. */
  launcher?: WorkerLauncher;
  /** The session's mailboxes; default: the Maildirs in its folder. */
  transport?: MailboxTransport;
}

export interface CoordinatorOutcome {
  status: SessionStatus;
  result?: string;
  reason?: string;
  usage: UsageReport;
  /** Another coordinator took the session over: this one wrote nothing at its end. */
  fenced?: boolean;
}

export class Coordinator implements CoordinatorCore {
  readonly dir: string;
  record: SessionRecord;
  state: EngineState = EMPTY_STATE;
  stopping: StopSession | undefined;
  reader: TransportReader | undefined;
  readonly sender: TransportSender;
  readonly transport: MailboxTransport;
  readonly log: Logger;
  readonly pattern: PatternDriver;
  readonly patternCtx: PatternContext;
  readonly launcher: WorkerLauncher;
  readonly spares: SparePool;
  private readonly journal: Journal;
  private readonly transcript: Transcript;
  private readonly runtimes = new Map<string, AttemptRuntime>();
  private readonly waker = new Waker();
  private supervisorTimer: NodeJS.Timeout | undefined;
  private supervising = false;
  /** Consultations and drafts run one at a time, off the mailbox pump. */
  private background: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CoordinatorDeps) {
    this.dir = deps.sessionDir;
    this.record = deps.record;
    this.log = deps.logger;
    this.launcher = deps.launcher ?? new LocalLauncher(deps.sessionDir);
    this.spares = new SparePool(this, this.record.options.warm);
    this.journal = new Journal(sessionPaths(this.dir).journal, () => this.deps.lock.epoch);
    this.transport = deps.transport ?? this.launcher.transport ?? new FsTransport(this.dir, this.record.id);
    this.sender = this.transport.sender({
      from: COORDINATOR_ID,
      epoch: () => this.deps.lock.epoch,
      fsync: this.record.options.fsyncAll || undefined,
    });
    this.transcript = new Transcript(agentPaths(this.dir, COORDINATOR_ID).transcript, 1);
    this.pattern = patternFor(this.record.options.pattern, this.record.options);
    this.patternCtx = {
      model: deps.model,
      record: this.record,
      agents: deps.catalogue.agents,
      signal: deps.signal,
      addCall: (model, usage, calls) => this.deps.ledger.addCall(COORDINATOR_ID, model, usage, calls),
      decide: (what, why, extra) => this.decide(what, why, extra),
      state: () => this.state.pattern,
      saveState: async (state) => {
        await this.commit({ type: 'pattern', pattern: this.pattern.name, state });
      },
    };
  }

  get options(): SessionOptions {
    return this.record.options;
  }
  get model(): Model {
    return this.deps.model;
  }
  get ledger(): UsageLedger {
    return this.deps.ledger;
  }
  get bus(): EventBus {
    return this.deps.bus;
  }
  get catalogue(): AgentCatalogue {
    return this.deps.catalogue;
  }
  get env(): NodeJS.ProcessEnv | undefined {
    return this.deps.env;
  }
  get signal(): AbortSignal | undefined {
    return this.deps.signal;
  }
  get forceSignal(): AbortSignal | undefined {
    return this.deps.forceSignal;
  }

  sub(id: string): SubtaskState {
    const s = this.state.subtasks[id];
    if (!s) throw new Error(`unknown subtask ${id}`);
    return s;
  }

  runtime(id: string): AttemptRuntime {
    let rt = this.runtimes.get(id);
    if (!rt) this.runtimes.set(id, (rt = {}));
    return rt;
  }

  setRecord(record: SessionRecord): void {
    this.record = record;
  }

  stopWith(stop: StopSession): void {
    // A takeover wins over any other reason: it decides what may still be written.
    if (!this.stopping || (stop.fenced && !this.stopping.fenced)) this.stopping = stop;
    this.wake();
  }

  /**
   * The one way state changes: the event is appended to the journal, and applied only once
   * the append succeeded. A coordinator fenced off by a takeover, or one whose journal
   * cannot be written, stops the session at once.
   */
  async commit(event: JournalEvent): Promise<JournalEntry> {
    this.checkLock();
    let entry: JournalEntry;
    try {
      entry = await this.journal.append(event);
    } catch (err) {
      const failure = new JournalWriteError(this.journal.file, { cause: err });
      this.log.error({ err, event: event.type }, 'journal write failed');
      this.stopWith(new StopSession('failed', failure.message));
      throw failure;
    }
    this.state = applyEvent(this.state, entry);
    return entry;
  }

  async tryCommit(event: JournalEvent): Promise<void> {
    try {
      await this.commit(event);
    } catch (err) {
      this.log.warn({ err, event: event.type }, 'could not journal an event while stopping');
    }
  }

  /** Throws StaleEpochError, and fences this coordinator, when another one took the session over. */
  private checkLock(): void {
    try {
      this.deps.lock.assertCurrent();
    } catch (err) {
      if (err instanceof StaleEpochError) {
        this.stopWith(new StopSession('failed', `${err.message}: another coordinator took the session over, so this one stops`, true));
      }
      throw err;
    }
  }

  async decide(what: string, why: string, extra: Record<string, unknown> = {}): Promise<void> {
    await this.commit({ type: 'decision', what, why, ...extra });
    await fs.mkdir(sessionPaths(this.dir).artifacts, { recursive: true });
    await appendJsonl(sessionPaths(this.dir).decisions, { t: Date.now(), what, why, ...extra });
  }

  consult(event: ConsultEvent): Promise<void> {
    return consult(this, event);
  }

  enqueue(job: () => Promise<void>): void {
    this.background = this.background.then(job).catch((err: unknown) => this.log.error({ err }, 'background coordinator job failed'));
  }

  /** Waits for the queued coordinator work, including whatever that work queues in turn. */
  private async drainBackground(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.background;
      await seen;
    } while (seen !== this.background);
  }

  /** Runs the session to its end, from scratch or from what the journal already holds. */
  async run(resumed: boolean): Promise<CoordinatorOutcome> {
    const onAbort = () => {
      // A reason of our own (a log that cannot be written: a full disk) says why; Ctrl-C has none.
      const reason: unknown = this.deps.signal?.reason;
      this.stopWith(new StopSession('interrupted', reason instanceof MailroomError ? reason.message : 'interrupted by the operator'));
    };
    this.deps.signal?.addEventListener('abort', onAbort);
    if (this.deps.signal?.aborted) onAbort();
    try {
      if (resumed) await this.replay();
      if (this.state.synthesis === undefined) {
        if (resumed) await endStraySpares(this);
        // Spares start now, so that they are warm by the time the plan names subtasks.
        await this.spares.fill();
        if (!this.state.plan) await this.makePlan();
        await this.startReader();
        // Requests to people and replies given while no coordinator ran are journaled first.
        await syncPeople(this);
        if (resumed) {
          await rehandlePatternResults(this);
          await reconcile(this);
        }
        this.startSupervisor();
        await this.gather();
        await synthesize(this, this.transcript);
      }
      const synthesis = this.state.synthesis!;
      await writeTextAtomic(sessionPaths(this.dir).result, synthesis.text + '\n');
      return await this.finish((synthesis.status as SessionStatus | undefined) ?? 'completed', synthesis.reason);
    } catch (err) {
      const stop = err instanceof StopSession ? err : this.stopping;
      if (stop) return await this.finish(stop.status, stop.message);
      // A full disk is not the task's failure: interrupted, to be resumed once there is room.
      const full = diskFullReason(err);
      if (full) return await this.finish('interrupted', full);
      this.log.error({ err }, 'session failed');
      return await this.finish('failed', describeError(err));
    } finally {
      this.deps.signal?.removeEventListener('abort', onAbort);
      await this.shutdown();
    }
  }

  /** Folds the journal so far, then records the resume. */
  private async replay(): Promise<void> {
    this.state = await foldPrevious(this.dir, this.deps.ledger, this.record.models.worker);
    await this.commit({ type: 'session_resumed', pid: process.pid });
    if (this.state.plan) this.deps.bus.emit({ type: 'plan', plan: this.state.plan });
    for (const s of subtasksOf(this.state).filter((x) => x.status === 'completed')) {
      this.deps.bus.emit({ type: 'result', subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, output: s.output ?? '', reused: true });
    }
  }

  private async makePlan(): Promise<void> {
    const made = await this.pattern.plan(this.patternCtx);
    // Every pattern's plan passes the same checks as a model's (ids, dependencies, cycles).
    const plan = validatePlan(made.plan, this.deps.catalogue.agents.map((a) => a.name));
    await this.deps.ledger.save();
    await writeJsonAtomic(sessionPaths(this.dir).plan, plan);
    await this.commit({ type: 'plan', plan, ...(made.extras ? { extras: made.extras } : {}) });
    this.transcript.note(`plan (${this.pattern.name}): ${JSON.stringify(plan)}`);
    this.deps.bus.emit({ type: 'plan', plan });
    crashPoint('after-plan');
  }

  private async startReader(): Promise<void> {
    await this.transport.createMailbox(COORDINATOR_ID);
    this.reader = this.transport.reader({
      agentId: COORDINATOR_ID,
      logger: this.log,
      // A resumed coordinator knows its predecessor is dead: it holds the session lock.
      takeOverLock: true,
      // Another coordinator took the mailbox over: this one must stop, and say why.
      onLockLost: (err) => {
        this.log.error({ err }, 'coordinator mailbox lock lost; stopping');
        this.stopWith(new StopSession('failed', err.message));
      },
      handler: (env) => onMessage(this, env),
    });
    await this.reader.start();
    // The backlog (results that arrived while no coordinator ran) is handled before anything else.
    await this.reader.pump();
  }

  /** Waits until every subtask is completed or failed, spawning what is ready as it goes. */
  private async gather(): Promise<void> {
    for (;;) {
      if (this.stopping) throw this.stopping;
      if (this.state.verdict) return;
      // A person may still send a failed subtask back to work: nothing settles meanwhile.
      const askingPeople = awaitingPeopleOnFailures(this);
      if (!askingPeople) await failBlocked(this);
      if (allSettled(this.state) && !askingPeople) break;
      const mayRespawn = (id: string) => this.pattern.canRespawn?.(this.patternCtx, id) ?? true;
      const ready = readyToStart(this.state, this.options.maxWorkers, mayRespawn);
      if (this.options.detachOnWait && onlyWaiting(this, ready.length)) throw detachStop(this);
      for (const s of ready) {
        if (this.stopping) break;
        await spawnSubtask(this, s.subtask.id);
      }
      await this.spares.topUp();
      await this.waker.sleep(this.options.heartbeatIntervalMs);
    }
    checkPolicy(this.state.plan!.failurePolicy, settledForPolicy(this.state));
  }

  private startSupervisor(): void {
    const tick = async () => {
      if (this.supervising) return;
      this.supervising = true;
      try {
        // A takeover is noticed here even when nothing else would touch the journal.
        this.checkLock();
        await superviseOnce(this);
      } catch (err) {
        if (!(err instanceof StaleEpochError)) this.log.error({ err }, 'supervision pass failed');
      } finally {
        this.supervising = false;
      }
    };
    this.supervisorTimer = setInterval(() => void tick(), Math.max(50, Math.floor(this.options.heartbeatIntervalMs / 2)));
  }

  private async finish(status: SessionStatus, reason?: string): Promise<CoordinatorOutcome> {
    if (this.stopping?.fenced) return this.fencedOff(this.stopping.message);
    // Let a consultation or draft in flight land before the end is recorded.
    await this.drainBackground();
    // Detached to wait for people: waiting workers keep waiting, and a resume picks it all up.
    if (status === 'waiting') return detach(this, reason ?? 'waiting for people');
    // Nothing may outlive the session: stop whatever still runs before recording the end.
    await stopAllWorkers(this, status === 'completed' ? 'session completed' : `session ${status}: ${reason ?? ''}`);
    await this.spares.endAll(status === 'completed' ? 'session completed' : `session ${status}`);
    if (this.stopping?.fenced) return this.fencedOff(this.stopping.message);
    // A failure handled while the workers stopped may have queued one more consultation:
    // its model call is made and paid for, so it must be in usage.json too.
    await this.drainBackground();
    const usage = await this.deps.ledger.save().catch((err: unknown) => {
      this.log.error({ err }, 'could not save usage.json');
      return this.deps.ledger.report();
    });
    await this.tryCommit({ type: 'session_ended', status, ...(reason ? { reason } : {}) });
    try {
      this.record = { ...this.record, status, endedAt: new Date().toISOString(), ...(reason ? { reason } : {}) };
      await writeSessionRecord(this.dir, this.record);
      await updateAgentRecord(this.dir, COORDINATOR_ID, { status: status === 'completed' ? 'completed' : 'failed', endedAt: new Date().toISOString() });
    } catch (err) {
      this.log.error({ err }, 'could not record the end of the session');
    }
    this.deps.bus.emit({ type: 'session_ended', status, ...(reason ? { reason } : {}) });
    const text = this.state.synthesis?.text;
    const showResult = text !== undefined && (status === 'completed' || status === 'needs_human');
    return { status, ...(showResult ? { result: text } : {}), ...(reason ? { reason } : {}), usage };
  }

  /**
   * Another coordinator owns the session: its workers and files are no longer ours. Write
   * nothing, stop no worker; just say so and end.
   */
  private fencedOff(reason: string): CoordinatorOutcome {
    this.log.error({ reason }, 'fenced off by a takeover');
    this.deps.bus.emit({ type: 'notice', message: reason });
    this.deps.bus.emit({ type: 'session_ended', status: 'failed', reason });
    return { status: 'failed', reason, usage: this.deps.ledger.report(), fenced: true };
  }

  private async shutdown(): Promise<void> {
    if (this.supervisorTimer) clearInterval(this.supervisorTimer);
    await this.reader?.stop();
  }

  wake(): void {
    this.waker.wake();
  }
}
