/**
 * The coordinator's run: plan, spawn every ready subtask (capped by maxWorkers), supervise
 * the workers, gather results under the plan's failure policy, and synthesize. All of it
 * is recorded in journal.jsonl first, so that a resumed coordinator can rebuild this state
 * from the journal and the mailbox and carry on without redoing finished work.
 */
import fs from 'node:fs/promises';
import { Transcript } from '../agent/transcript.js';
import { heartbeatAge } from '../agent/heartbeat.js';
import {
  BudgetExhaustedError,
  MailroomError,
  describeError,
} from '../errors.js';
import type { Logger } from '../log.js';
import { MailboxReader, MailboxSender, createMailbox, type Envelope, type EnvelopeOf } from '../mailbox/index.js';
import type { Model } from '../model/types.js';
import { ZERO_USAGE } from '../model/types.js';
import { Journal, type JournalEntry } from '../session/journal.js';
import { COORDINATOR_ID, agentPaths, sessionPaths, workerId } from '../session/layout.js';
import type { HeldSessionLock } from '../session/lock.js';
import type { AgentStatus, SessionRecord, SessionStatus } from '../session/records.js';
import { updateAgentRecord, writeAgentRecord, writeSessionRecord } from '../session/store.js';
import type { UsageLedger, UsageReport } from '../session/usage.js';
import { ROLE_TOOL_NAMES } from '../tools/registry.js';
import type { Role } from '../tools/types.js';
import { appendJsonl, readJsonIfExists, writeJsonAtomic, writeTextAtomic } from '../util/fs.js';
import { patternFor, type PatternDriver } from '../patterns/index.js';
import type { PatternContext, SubtaskExtras } from '../patterns/types.js';
import { ArtifactStore } from '../artifacts/store.js';
import { consultCoordinator } from './consult.js';
import { synthesizeDraft } from './synthesis.js';
import { crashPoint } from '../faults.js';
import type { EventBus } from './events.js';
import { validatePlan, type Plan, type Subtask } from './plan.js';
import { checkPolicy, isRetryable } from './policy.js';
import { LocalLauncher, type WorkerLauncher } from './launcher.js';

type SubtaskStatus = 'pending' | 'running' | 'completed' | 'failed';

/** A spawned worker that has not said `started` by then is treated as crashed. */
const STARTUP_LIMIT_MS = 60_000;

/** What the coordinator knows about one subtask. */
interface SubtaskState {
  subtask: Subtask;
  index: number;
  agentId: string;
  role: Role;
  status: SubtaskStatus;
  /** The attempt that is running, or the next one to start. */
  attempt: number;
  /** Whether the next attempt continues from the transcript (a crash) or starts fresh. */
  continueNext: boolean;
  pid?: number;
  spawnedAt?: number;
  output?: string;
  structured?: unknown;
  error?: string;
  /** Set while the termination ladder runs, so the supervisor leaves it alone. */
  terminating?: boolean;
  /** Set when the coordinator decided a failure; a late failure message is then ignored. */
  failureRecorded?: boolean;
  /** When the worker reported `started`; its wall clock runs from here. */
  startedAt?: number;
  /** When a message from this attempt last arrived: a sign of life, like the heartbeat. */
  lastHeardAt?: number;
  /** Why the coordinator is stopping it; wins over what the worker says as it goes. */
  terminationCause?: { code: string; reason: string };
  /** Model id for this subtask's worker, when the pattern chose one. */
  model?: string;
  /** The worker stays for more rounds after a result (reflect). */
  persistent?: boolean;
  /** The fallback role has already been tried. */
  fallbackUsed?: boolean;
}

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
  /** Where workers run; default: local child processes. */
  launcher?: WorkerLauncher;
}

export interface CoordinatorOutcome {
  status: SessionStatus;
  result?: string;
  reason?: string;
  usage: UsageReport;
}

/** Interrupts the main loop with a status other than completed. */
class StopSession extends MailroomError {
  constructor(
    readonly status: SessionStatus,
    message: string,
  ) {
    super('E_STOP', message);
  }
}

export class Coordinator {
  private readonly dir: string;
  private record: SessionRecord;
  private readonly journal: Journal;
  private readonly sender: MailboxSender;
  private reader: MailboxReader | undefined;
  private plan: Plan | undefined;
  private readonly states = new Map<string, SubtaskState>();
  private readonly restarts: number[] = [];
  private wakeResolve: (() => void) | undefined;
  private supervisorTimer: NodeJS.Timeout | undefined;
  private supervising = false;
  private stop: StopSession | undefined;
  private synthesisText: string | undefined;
  private readonly log: Logger;
  private readonly transcript: Transcript;
  private readonly pattern: PatternDriver;
  private readonly patternCtx: PatternContext;
  /** Set by a pattern that has reached its verdict (reflect), ending the session. */
  private verdict: { status: SessionStatus; text: string; reason?: string; extra?: Record<string, unknown> } | undefined;
  private finalStatus: SessionStatus = 'completed';
  private finalReason: string | undefined;
  private fallbacks = 0;
  /** Consultations and drafts run one at a time, off the mailbox pump. */
  private background: Promise<void> = Promise.resolve();
  private readonly launcher: WorkerLauncher;

  constructor(private readonly deps: CoordinatorDeps) {
    this.dir = deps.sessionDir;
    this.launcher = deps.launcher ?? new LocalLauncher(deps.sessionDir);
    this.record = deps.record;
    this.log = deps.logger;
    this.journal = new Journal(sessionPaths(this.dir).journal, () => this.deps.lock.epoch);
    this.sender = new MailboxSender({
      sessionDir: this.dir,
      sessionId: this.record.id,
      from: COORDINATOR_ID,
      epoch: () => this.deps.lock.epoch,
      fsync: this.record.options.fsyncAll || undefined,
    });
    this.transcript = new Transcript(agentPaths(this.dir, COORDINATOR_ID).transcript, 1);
    this.pattern = patternFor(this.record.options.pattern);
    this.patternCtx = {
      model: deps.model,
      record: this.record,
      signal: deps.signal,
      addCall: (model, usage, calls) => this.deps.ledger.addCall(COORDINATOR_ID, model, usage, calls),
      decide: (what, why, extra) => this.decide(what, why, extra),
    };
  }

  /** A coordinator decision, for people reading the session: decisions.jsonl and the journal. */
  private async decide(what: string, why: string, extra: Record<string, unknown> = {}): Promise<void> {
    await this.record_({ type: 'decision', what, why, ...extra });
    await fs.mkdir(sessionPaths(this.dir).artifacts, { recursive: true });
    await appendJsonl(sessionPaths(this.dir).decisions, { t: Date.now(), what, why, ...extra });
  }

  private get options() {
    return this.record.options;
  }

  /** Appends to the journal, refusing if another coordinator has taken the session since. */
  private async record_(event: Parameters<Journal['append']>[0]): Promise<void> {
    this.deps.lock.assertCurrent();
    await this.journal.append(event);
  }

  /** Runs the session to its end, from scratch or from what the journal already holds. */
  async run(resumed: boolean): Promise<CoordinatorOutcome> {
    const onAbort = () => {
      this.stop ??= new StopSession('interrupted', 'interrupted by the operator');
      this.wake();
    };
    this.deps.signal?.addEventListener('abort', onAbort);
    try {
      const entries = resumed ? await Journal.read(sessionPaths(this.dir).journal) : [];
      if (resumed) {
        // The coordinator's own earlier calls (plan, consultations) are only in usage.json.
        const previous = await readJsonIfExists<UsageReport>(sessionPaths(this.dir).usage);
        const mine = previous?.agents[COORDINATOR_ID];
        if (mine) this.deps.ledger.addCall(COORDINATOR_ID, mine.model, mine.usage, mine.calls);
        await this.record_({ type: 'session_resumed', pid: process.pid });
        this.replay(entries);
      }
      if (this.synthesisText === undefined) {
        if (!this.plan) await this.makePlan();
        await this.startReader();
        if (resumed) await this.reconcile();
        this.startSupervisor();
        await this.gather();
        this.synthesisText = await this.synthesize();
      }
      await writeTextAtomic(sessionPaths(this.dir).result, this.synthesisText + '\n');
      return await this.finish(this.finalStatus, this.finalReason);
    } catch (err) {
      if (err instanceof StopSession) return await this.finish(err.status, err.message);
      this.log.error({ err }, 'session failed');
      return await this.finish('failed', describeError(err));
    } finally {
      this.deps.signal?.removeEventListener('abort', onAbort);
      await this.shutdown();
    }
  }

  // ---- replay and reconcile (resume) -------------------------------------------------

  /** Rebuilds the subtask states from the journal. */
  private replay(entries: JournalEntry[]): void {
    for (const e of entries) {
      switch (e.type) {
        case 'plan':
          this.adoptPlan(e.plan, e.extras);
          break;
        case 'spawn': {
          const s = this.states.get(e.subtask);
          if (s && s.status !== 'completed') Object.assign(s, { status: 'running', attempt: e.attempt, pid: e.pid, spawnedAt: e.t, agentId: e.agent, ...(e.role ? { role: e.role as Role } : {}) });
          break;
        }
        case 'decision': {
          if (e.what !== 'fallback') break;
          const s = this.states.get(String(e.subtask));
          if (s) {
            Object.assign(s, { agentId: String(e.agent), role: e.role as Role, attempt: 1, status: 'pending', fallbackUsed: true, pid: undefined });
            this.fallbacks++;
          }
          break;
        }
        case 'started': {
          const s = this.states.get(e.subtask);
          if (s && s.attempt === e.attempt) s.startedAt = e.t;
          break;
        }
        case 'result': {
          const s = this.states.get(e.subtask);
          if (s) Object.assign(s, { status: 'completed', output: e.output, attempt: e.attempt });
          this.deps.ledger.setAttempt(e.agent, this.record.models.worker, e.attempt, e.usage, e.turns);
          break;
        }
        case 'failure': {
          const s = this.states.get(e.subtask);
          if (!s || s.status === 'completed') break;
          if (e.final) Object.assign(s, { status: 'failed', error: e.error });
          else Object.assign(s, { status: 'pending', attempt: e.attempt + 1, continueNext: e.code === 'E_CRASHED', pid: undefined });
          break;
        }
        case 'synthesis':
          this.synthesisText = e.text;
          this.finalStatus = (e.status as SessionStatus | undefined) ?? 'completed';
          this.finalReason = e.reason;
          break;
        default:
          break;
      }
    }
    const done = [...this.states.values()].filter((s) => s.status === 'completed');
    for (const s of done) {
      this.deps.bus.emit({ type: 'result', subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, output: s.output ?? '', reused: true });
    }
  }

  /**
   * After the mailbox backlog is handled: every subtask the journal says is running is
   * either still alive (reattach), or dead (respawn as a new attempt from its transcript).
   */
  private async reconcile(): Promise<void> {
    const live = await this.launcher.findWorkers(this.dir);
    const staleAfter = this.options.heartbeatIntervalMs * this.options.heartbeatMisses;
    for (const s of this.states.values()) {
      if (s.status === 'completed' || s.status === 'failed') continue;
      const pid = live.get(s.agentId);
      if (pid !== undefined) {
        const age = heartbeatAge(agentPaths(this.dir, s.agentId).heartbeat);
        if (age !== undefined && age <= staleAfter) {
          Object.assign(s, { status: 'running', pid, spawnedAt: s.spawnedAt ?? Date.now(), startedAt: s.startedAt ?? Date.now() });
          await this.record_({ type: 'reattach', subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, pid });
          this.deps.bus.emit({ type: 'worker_reattached', subtask: s.subtask.id, agent: s.agentId, pid });
          this.log.info({ worker: s.agentId, pid }, 'reattached to a live worker');
          continue;
        }
        // Alive but silent: stop it before anything else runs this subtask.
        s.pid = pid;
        await this.terminate(s, `no heartbeat for ${age ?? '?'} ms at resume`);
      }
      if (s.status === 'running') {
        await this.recordFailure(s, 'E_CRASHED', 'the worker was gone when the session resumed');
      }
    }
  }

  // ---- plan --------------------------------------------------------------------------

  private async makePlan(): Promise<void> {
    const made = await this.pattern.plan(this.patternCtx);
    // Every pattern's plan passes the same checks as a model's (ids, dependencies, cycles).
    const plan = validatePlan(made.plan);
    await this.deps.ledger.save();
    await writeJsonAtomic(sessionPaths(this.dir).plan, plan);
    await this.record_({ type: 'plan', plan, ...(made.extras ? { extras: made.extras } : {}) });
    this.transcript.note(`plan (${this.pattern.name}): ${JSON.stringify(plan)}`);
    this.adoptPlan(plan, made.extras);
    crashPoint('after-plan');
  }

  private adoptPlan(plan: Plan, extras: Record<string, SubtaskExtras> = {}): void {
    this.plan = plan;
    plan.subtasks.forEach((subtask, i) => {
      if (this.states.has(subtask.id)) return;
      this.states.set(subtask.id, {
        subtask,
        index: i + 1,
        agentId: workerId(i + 1, subtask.role),
        role: subtask.role,
        status: 'pending',
        attempt: 1,
        continueNext: false,
        ...extras[subtask.id],
      });
    });
    this.deps.bus.emit({ type: 'plan', plan });
  }

  // ---- mailbox -----------------------------------------------------------------------

  private async startReader(): Promise<void> {
    await createMailbox(this.dir, COORDINATOR_ID);
    this.reader = new MailboxReader({
      sessionDir: this.dir,
      sessionId: this.record.id,
      agentId: COORDINATOR_ID,
      logger: this.log,
      // A resumed coordinator knows its predecessor is dead: it holds the session lock.
      takeOverLock: true,
      handler: (env) => this.onMessage(env),
    });
    await this.reader.start();
    // The backlog (results that arrived while no coordinator ran) is handled before anything else.
    await this.reader.pump();
  }

  private async onMessage(env: Envelope): Promise<void> {
    if (env.type === 'terminate') {
      await this.onTerminateRequest(env.body.agent, env.body.reason, env.from);
      return;
    }
    const s = [...this.states.values()].find((x) => x.agentId === env.from);
    if (!s) {
      this.log.warn({ from: env.from, type: env.type }, 'message from an unknown agent');
      return;
    }
    s.lastHeardAt = Date.now();
    switch (env.type) {
      case 'started':
        if (env.body.attempt === s.attempt) s.startedAt = Date.now();
        await this.record_({ type: 'started', subtask: s.subtask.id, agent: s.agentId, attempt: env.body.attempt, pid: env.body.pid });
        this.deps.bus.emit({ type: 'worker_started', subtask: s.subtask.id, agent: s.agentId, attempt: env.body.attempt, pid: env.body.pid });
        break;
      case 'progress':
        this.deps.ledger.setAttempt(s.agentId, this.record.models.worker, s.attempt, env.body.usage, env.body.turn);
        this.deps.bus.emit({ type: 'progress', subtask: s.subtask.id, agent: s.agentId, turn: env.body.turn, usage: env.body.usage });
        this.checkWorkerLimits(s, env.body.turn, env.body.usage.input_tokens + env.body.usage.output_tokens);
        await this.checkBudget();
        break;
      case 'result':
        await this.onResult(s, env);
        break;
      case 'question':
        await this.record_({ type: 'decision', what: 'question', why: env.body.question, agent: s.agentId, subtask: s.subtask.id });
        this.enqueue(() => this.consult({ kind: 'question', agent: s.agentId, text: env.body.question, questionId: env.id }));
        break;
      case 'failure':
        if (s.status !== 'running' || s.failureRecorded || env.body.attempt !== s.attempt) {
          this.log.info({ worker: s.agentId, attempt: env.body.attempt }, 'ignoring a failure for an attempt already settled');
          break;
        }
        this.deps.ledger.setAttempt(s.agentId, s.model ?? this.record.models.worker, env.body.attempt, env.body.usage, env.body.turns);
        await this.checkBudget();
        await this.waitGone(s);
        // A worker we are stopping reports "shut down"; the reason we stopped it is the real one.
        await this.recordFailure(s, s.terminationCause?.code ?? env.body.error.code, s.terminationCause?.reason ?? env.body.error.message, env.id);
        break;
      default:
        this.log.warn({ type: env.type, from: env.from }, 'unexpected message type for the coordinator');
    }
  }

  /** An operator (`mailroom kill`) or the coordinator's model asked to stop a worker or the session. */
  private async onTerminateRequest(agent: string | undefined, reason: string, from: string): Promise<void> {
    if (!agent) {
      this.log.warn({ from, reason }, 'session termination requested');
      this.stop ??= new StopSession('interrupted', `terminated by ${from}: ${reason}`);
      this.wake();
      return;
    }
    const s = [...this.states.values()].find((x) => x.agentId === agent);
    if (!s || s.status !== 'running') {
      this.log.warn({ agent, from }, 'termination requested for a worker that is not running');
      return;
    }
    // Not awaited: the ladder takes seconds and the mailbox pump must keep flowing meanwhile.
    this.stopInBackground(s, 'E_TERMINATED', `terminated by ${from}: ${reason}`);
  }

  private async onResult(s: SubtaskState, env: EnvelopeOf<'result'>): Promise<void> {
    if (s.status === 'completed') return; // a duplicate delivery: the result is already journaled
    const b = env.body;
    this.deps.ledger.setAttempt(s.agentId, s.model ?? this.record.models.worker, b.attempt, b.usage, b.turns);
    await this.record_({ type: 'result', subtask: s.subtask.id, agent: s.agentId, attempt: b.attempt, round: b.round, output: b.output, usage: b.usage, turns: b.turns, messageId: env.id });
    Object.assign(s, { output: b.output, structured: b.structured, attempt: b.attempt });
    // Announce the result before anything can move on because of it (e.g. to synthesis).
    this.deps.bus.emit({ type: 'result', subtask: s.subtask.id, agent: s.agentId, attempt: b.attempt, output: b.output, reused: false, ...(s.pid ? { pid: s.pid } : {}) });
    let keepRunning = false;
    if (s.persistent && this.pattern.onResult) {
      keepRunning = await this.pattern.onResult(
        this.patternCtx,
        { subtask: s.subtask.id, agent: s.agentId, round: b.round, output: b.output, structured: b.structured },
        {
          send: async (agentId, text) => {
            await this.sender.send(agentId, 'message', { text });
          },
          finishWith: (status, text, reason, extra) => {
            this.verdict = { status, text, ...(reason ? { reason } : {}), ...(extra ? { extra } : {}) };
            this.wake();
          },
          agentOf: (id) => this.states.get(id)?.agentId ?? id,
        },
      );
    }
    if (!keepRunning) {
      await this.updateAgent(s, 'completed');
      s.status = 'completed';
    }
    await this.deps.ledger.save();
    if (this.options.progressive) this.enqueue(() => this.updateDraft());
    crashPoint('after-first-result');
    this.wake();
  }

  /** Runs coordinator work (consultations, drafts) in order, off the mailbox pump. */
  private enqueue(job: () => Promise<void>): void {
    this.background = this.background.then(job).catch((err: unknown) => this.log.error({ err }, 'background coordinator job failed'));
  }

  /** Progressive synthesis: a running draft from the results so far, in session.json and on stderr. */
  private async updateDraft(): Promise<void> {
    if (this.stop || this.verdict) return;
    const { outputs, failures } = this.collected();
    const r = await synthesizeDraft(this.deps.model, this.record.models.coordinator, this.record.task, outputs, failures, this.deps.signal);
    this.deps.ledger.addCall(COORDINATOR_ID, r.model, r.usage, r.calls);
    this.record = { ...this.record, draft: r.text };
    await writeSessionRecord(this.dir, this.record);
    await this.record_({ type: 'decision', what: 'draft', why: `draft from ${outputs.length} result(s)`, chars: r.text.length });
    this.deps.bus.emit({ type: 'draft', text: r.text });
  }

  /** Asks the coordinator's model what to do about an event, and carries out its tool calls. */
  private async consult(event: { kind: 'question' | 'failure'; agent: string; text: string; questionId?: string }): Promise<void> {
    if (this.stop || this.verdict) return;
    const running = [...this.states.values()].filter((x) => x.status === 'running').map((x) => ({ agent: x.agentId, subtask: x.subtask.id, role: x.role }));
    const outcome = await consultCoordinator(this.deps.model, this.record.models.coordinator, this.record.task, event, running, this.deps.signal);
    this.deps.ledger.addCall(COORDINATOR_ID, outcome.model, outcome.usage);
    let answered = false;
    for (const action of outcome.actions) {
      await this.decide(action.tool, action.why, { event: event.kind, agent: event.agent, input: action.input });
      if (action.tool === 'send_message') {
        const target = [...this.states.values()].find((x) => x.agentId === action.input.agent && x.status === 'running');
        if (!target) continue;
        const replyTo = event.kind === 'question' && target.agentId === event.agent ? event.questionId : undefined;
        if (replyTo) answered = true;
        await this.sender.send(target.agentId, 'message', { text: action.input.text }, replyTo ? { replyTo } : {});
      } else if (action.tool === 'terminate_worker') {
        const target = [...this.states.values()].find((x) => x.agentId === action.input.agent);
        if (target && target.status === 'running') this.stopInBackground(target, 'E_TERMINATED', `terminated by the coordinator: ${action.input.reason}`);
      } else if (action.tool === 'spawn_worker') {
        const target = this.states.get(action.input.subtask);
        if (target && (target.status === 'failed' || target.status === 'pending')) {
          Object.assign(target, { status: 'pending', error: undefined, continueNext: false, failureRecorded: false });
          if (action.input.instructions) target.subtask = { ...target.subtask, context: [target.subtask.context, action.input.instructions].filter(Boolean).join('\n') };
          this.wake();
        }
      }
    }
    if (event.kind === 'question' && !answered) {
      // Never leave a worker waiting on a question nobody will answer.
      const asker = [...this.states.values()].find((x) => x.agentId === event.agent && x.status === 'running');
      const text = outcome.text || 'The coordinator has no specific answer: use your best judgement and state your assumptions.';
      if (asker) await this.sender.send(asker.agentId, 'message', { text }, { replyTo: event.questionId });
    }
  }

  // ---- scheduling --------------------------------------------------------------------

  /** Waits until every subtask is completed or failed, spawning what is ready as it goes. */
  private async gather(): Promise<void> {
    for (;;) {
      if (this.stop) throw this.stop;
      if (this.verdict) return;
      this.failBlocked();
      const states = [...this.states.values()];
      if (states.every((s) => s.status === 'completed' || s.status === 'failed')) break;
      await this.spawnReady();
      await this.sleepUntilWoken(this.options.heartbeatIntervalMs);
    }
    const settled = [...this.states.values()].map((s) => ({ subtask: s.subtask, agent: s.agentId, ok: s.status === 'completed', reason: s.error }));
    checkPolicy(this.plan!.failurePolicy, settled);
  }

  /** A subtask whose dependency failed for good cannot run: it fails too, naming why. */
  private failBlocked(): void {
    for (const s of this.states.values()) {
      if (s.status !== 'pending') continue;
      const failed = s.subtask.dependsOn.filter((d) => this.states.get(d)?.status === 'failed');
      if (failed.length > 0) {
        s.status = 'failed';
        s.error = `not run: its dependency ${failed.join(', ')} failed`;
        this.deps.bus.emit({ type: 'failure', subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, error: s.error, final: true });
        const entry = { type: 'failure' as const, subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, error: s.error, code: 'E_DEPENDENCY', final: true };
        this.enqueue(() => this.record_(entry));
      }
    }
  }

  private async spawnReady(): Promise<void> {
    let running = [...this.states.values()].filter((s) => s.status === 'running').length;
    for (const s of this.states.values()) {
      if (running >= this.options.maxWorkers || this.stop) return;
      if (s.status !== 'pending') continue;
      if (!s.subtask.dependsOn.every((d) => this.isSatisfied(d))) continue;
      await this.spawn(s);
      running++;
    }
  }

  /** A dependency is met when it completed, or when a persistent worker has a first result. */
  private isSatisfied(id: string): boolean {
    const d = this.states.get(id);
    return d !== undefined && (d.status === 'completed' || (d.persistent === true && d.status === 'running' && d.output !== undefined));
  }

  private async spawn(s: SubtaskState): Promise<void> {
    const paths = agentPaths(this.dir, s.agentId);
    await createMailbox(this.dir, s.agentId);
    await writeAgentRecord(this.dir, {
      v: 1,
      id: s.agentId,
      role: s.role,
      subtask: s.subtask.id,
      tools: ROLE_TOOL_NAMES[s.role],
      model: s.model ?? this.record.models.worker,
      limits: this.options.limits,
      status: 'pending',
      attempt: s.attempt,
    });
    const inputs = await Promise.all(s.subtask.dependsOn.map((d) => this.inputFrom(this.states.get(d)!)));
    // A deterministic id: an assign resent after a coordinator crash is deduplicated by the worker.
    await this.sender.send(
      s.agentId,
      'assign',
      {
        subtask: { id: s.subtask.id, role: s.role, description: s.subtask.description, ...(s.subtask.context ? { context: s.subtask.context } : {}) },
        inputs,
        attempt: s.attempt,
        limits: this.options.limits,
        model: this.record.provider === 'anthropic' ? (s.model ?? this.record.models.worker) : s.model,
        continueFromTranscript: s.continueNext,
        persistent: s.persistent === true,
      },
      { id: `assign-${s.attempt}-${s.subtask.id}`.slice(0, 64) },
    );
    const worker = await this.launcher.spawn(this.dir, s.agentId, s.attempt, this.deps.env);
    const host = worker.host !== undefined ? { host: worker.host } : {};
    Object.assign(s, { status: 'running', pid: worker.pid, spawnedAt: Date.now(), startedAt: undefined, failureRecorded: false, terminating: false, terminationCause: undefined });
    await this.record_({ type: 'spawn', subtask: s.subtask.id, agent: s.agentId, role: s.role, attempt: s.attempt, pid: worker.pid, ...host });
    await this.updateAgent(s, 'running', { pid: worker.pid, startedAt: new Date().toISOString(), ...host });
    this.log.info({ worker: s.agentId, pid: worker.pid, attempt: s.attempt, stdout: paths.stdout }, 'worker spawned');
    this.deps.bus.emit({ type: 'worker_spawned', subtask: s.subtask.id, agent: s.agentId, role: s.role, attempt: s.attempt, pid: worker.pid });
    // Our own child's exit is the fastest crash signal; the supervisor covers reattached ones.
    void worker.exited?.then(() => this.wake());
    crashPoint('after-spawn');
  }

  /**
   * A dependency's output as the dependent receives it. A large one is stored as a shared
   * artifact and passed by reference (with its opening), so contexts stay small.
   */
  private async inputFrom(dep: SubtaskState): Promise<{ subtask: string; agent: string; output: string }> {
    const output = dep.output ?? '';
    if (output.length <= this.options.inlineOutputChars) return { subtask: dep.subtask.id, agent: dep.agentId, output };
    const name = `output-${dep.subtask.id}.md`;
    await new ArtifactStore(this.dir).put(name, output, COORDINATOR_ID, { description: `full output of ${dep.subtask.id} (${dep.agentId})` });
    const head = output.slice(0, 2000);
    return {
      subtask: dep.subtask.id,
      agent: dep.agentId,
      output: `[This output is ${output.length} characters long; it is stored as the artifact "${name}". Read it with get_artifact. Its beginning:]\n${head}\n[...]`,
    };
  }

  // ---- failures, retries and supervision ---------------------------------------------

  /** Records a failed attempt and decides: another attempt, or a final failure. */
  private async recordFailure(s: SubtaskState, code: string, message: string, messageId?: string): Promise<void> {
    if (s.failureRecorded || s.status !== 'running') return;
    s.failureRecorded = true;
    const now = Date.now();
    while (this.restarts.length > 0 && now - this.restarts[0]! > this.options.restartWindowMs) this.restarts.shift();
    let final = !isRetryable(code) || s.attempt >= this.options.maxAttempts || !!this.stop;
    let why = message;
    if (!final && this.restarts.length >= this.options.maxRestarts) {
      final = true;
      why = `${message} (no retry: restart intensity reached, ${this.restarts.length} restarts in ${this.options.restartWindowMs} ms)`;
    }
    await this.record_({ type: 'failure', subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, error: why, code, final, ...(messageId ? { messageId } : {}) });
    this.deps.bus.emit({ type: 'failure', subtask: s.subtask.id, agent: s.agentId, attempt: s.attempt, error: why, final });
    this.log.warn({ worker: s.agentId, attempt: s.attempt, code, final }, `attempt failed: ${why}`);
    if (this.options.liveCoordination && code !== 'E_TERMINATED' && code !== 'E_SHUTDOWN' && !this.stop) {
      const agent = s.agentId;
      this.enqueue(() => this.consult({ kind: 'failure', agent, text: `${final ? 'failed for good' : 'failed, will be retried'}: ${why}` }));
    }
    if (final && s.subtask.fallbackRole && !s.fallbackUsed && !this.stop && code !== 'E_TERMINATED') {
      // The primary failed for good: hand the subtask to its fallback role, as a new agent.
      await this.updateAgent(s, 'failed', { error: why });
      const role = s.subtask.fallbackRole;
      const agentId = workerId((this.plan?.subtasks.length ?? 0) + ++this.fallbacks, role);
      await this.decide('fallback', `${s.agentId} failed for good (${why}); ${role} takes over`, { subtask: s.subtask.id, agent: agentId, role, from: s.agentId });
      Object.assign(s, { agentId, role, attempt: 1, status: 'pending', pid: undefined, fallbackUsed: true, continueNext: false });
    } else if (final) {
      Object.assign(s, { status: 'failed', error: why, pid: undefined });
      await this.updateAgent(s, code === 'E_CRASHED' || code === 'E_NO_HEARTBEAT' ? 'crashed' : 'failed', { error: why });
    } else {
      this.restarts.push(now);
      await this.updateAgent(s, code === 'E_CRASHED' ? 'crashed' : 'failed', { error: why });
      // A crash leaves a usable transcript; a reported failure starts the next attempt fresh.
      Object.assign(s, { status: 'pending', attempt: s.attempt + 1, continueNext: code === 'E_CRASHED' || code === 'E_NO_HEARTBEAT', pid: undefined });
    }
    this.wake();
  }

  private startSupervisor(): void {
    const tick = async () => {
      if (this.supervising) return;
      this.supervising = true;
      try {
        await this.superviseOnce();
      } catch (err) {
        this.log.error({ err }, 'supervision pass failed');
      } finally {
        this.supervising = false;
      }
    };
    this.supervisorTimer = setInterval(() => void tick(), Math.max(50, Math.floor(this.options.heartbeatIntervalMs / 2)));
  }

  /** One pass over the running workers: dead pids, stale heartbeats, wall clocks. */
  private async superviseOnce(): Promise<void> {
    const staleAfter = this.options.heartbeatIntervalMs * this.options.heartbeatMisses;
    for (const s of this.states.values()) {
      if (s.status !== 'running' || s.terminating || s.pid === undefined) continue;
      if (!(await this.launcher.isAlive(s.agentId, s.pid))) {
        // Its last messages may be in new/ already: handle them before calling it a crash.
        await this.reader?.pump();
        if (s.status === 'running' && !s.failureRecorded) {
          await this.recordFailure(s, 'E_CRASHED', `worker pid ${s.pid} exited without a result`);
        }
        continue;
      }
      const sinceSpawn = Date.now() - (s.spawnedAt ?? Date.now());
      // A heartbeat older than this spawn is the previous attempt's: the new one is still
      // starting up, which only the start-up limit below governs.
      const rawAge = heartbeatAge(agentPaths(this.dir, s.agentId).heartbeat);
      const heartbeat = rawAge !== undefined && rawAge < sinceSpawn ? rawAge : undefined;
      // Idle means no heartbeat AND no message: a worker that reports progress is alive.
      const heard = s.lastHeardAt !== undefined && s.lastHeardAt >= (s.spawnedAt ?? 0) ? Date.now() - s.lastHeardAt : undefined;
      const age = heartbeat === undefined ? undefined : Math.min(heartbeat, heard ?? heartbeat);
      // The worker enforces its own wall clock from `started`; this is the backstop for one
      // too wedged to do so (a grace later), or one that never got as far as starting.
      const sinceStart = s.startedAt !== undefined ? Date.now() - s.startedAt : undefined;
      if (age !== undefined && age > staleAfter) {
        this.stopInBackground(s, 'E_NO_HEARTBEAT', `no heartbeat and no message for ${Math.round(age)} ms (limit ${staleAfter} ms)`);
      } else if (sinceStart !== undefined && sinceStart > this.options.limits.wallClockMs + this.options.shutdownGraceMs) {
        this.stopInBackground(s, 'E_LIMIT', `wall-clock limit reached (${this.options.limits.wallClockMs} ms)`);
      } else if (sinceStart === undefined && sinceSpawn > STARTUP_LIMIT_MS) {
        this.stopInBackground(s, 'E_CRASHED', `did not start within ${STARTUP_LIMIT_MS / 1000} s of being spawned`);
      }
    }
  }

  /**
   * Starts the ladder without waiting for it (it takes seconds, and the mailbox and the
   * supervisor must keep going meanwhile). A failure of the ladder itself is logged and
   * recorded, never left as an unhandled rejection that would bring the coordinator down.
   */
  private stopInBackground(s: SubtaskState, code: string, reason: string): void {
    this.terminateAndFail(s, code, reason).catch((err: unknown) => {
      this.log.error({ err, worker: s.agentId }, 'could not stop a worker');
      this.deps.bus.emit({ type: 'notice', message: `could not stop ${s.agentId}: ${describeError(err)}` });
    });
  }

  private async terminateAndFail(s: SubtaskState, code: string, reason: string): Promise<void> {
    if (s.terminating || s.terminationCause) return;
    s.terminationCause = { code, reason };
    await this.terminate(s, reason);
    await this.reader?.pump();
    if (s.status === 'running' && !s.failureRecorded) await this.recordFailure(s, code, reason);
  }

  /** Runs the termination ladder on one worker and journals each step. */
  private async terminate(s: SubtaskState, reason: string, force = false): Promise<void> {
    if (s.pid === undefined || s.terminating) return;
    if (!(await this.launcher.isWorker(s.agentId, s.pid))) {
      // Already gone (or the pid now belongs to something else, which must not be signalled).
      await this.record_({ type: 'terminate', agent: s.agentId, reason, step: 'gone' });
      return;
    }
    s.terminating = true;
    const pid = s.pid;
    try {
      const step = await this.launcher.terminate(s.agentId, {
        pid,
        force,
        sendShutdown: async () => {
          await this.sender.send(s.agentId, 'shutdown', { reason, attempt: s.attempt });
        },
        shutdownGraceMs: this.options.shutdownGraceMs,
        termGraceMs: this.options.termGraceMs,
        onStep: async (step) => {
          await this.record_({ type: 'terminate', agent: s.agentId, reason, step });
          this.deps.bus.emit({ type: 'terminated', agent: s.agentId, reason, step });
        },
      });
      this.log.warn({ worker: s.agentId, pid, step, reason }, 'worker terminated');
    } finally {
      s.terminating = false;
    }
  }

  /** After a worker reports failure it exits on its own; make sure of it before a retry. */
  private async waitGone(s: SubtaskState): Promise<void> {
    if (s.pid === undefined) return;
    if (await this.launcher.waitForExit(s.agentId, s.pid, this.options.shutdownGraceMs)) return;
    await this.terminate(s, 'did not exit after reporting failure', true);
  }

  /**
   * The coordinator's own check of a worker's turn and token limits. A worker enforces them
   * itself; this catches one that does not (a persistent worker gets its limits per round).
   */
  private checkWorkerLimits(s: SubtaskState, turns: number, tokens: number): void {
    const rounds = s.persistent ? this.options.maxRounds : 1;
    const { maxTurns, maxTokens } = this.options.limits;
    if (s.status !== 'running') return;
    if (turns > maxTurns * rounds) this.stopInBackground(s, 'E_LIMIT', `over its turn limit (${turns} of ${maxTurns * rounds} turns)`);
    else if (tokens > maxTokens * rounds) this.stopInBackground(s, 'E_LIMIT', `over its token limit (${tokens} of ${maxTokens * rounds} tokens)`);
  }

  private async checkBudget(): Promise<void> {
    const { budgetTokens, budgetUsd } = this.options;
    if (budgetTokens === undefined && budgetUsd === undefined) return;
    const report = this.deps.ledger.report();
    const tokens = report.total.input_tokens + report.total.output_tokens;
    let why: string | undefined;
    if (budgetTokens !== undefined && tokens >= budgetTokens) why = `${tokens} tokens used of a ${budgetTokens}-token budget`;
    if (budgetUsd !== undefined && (report.costUsd ?? 0) >= budgetUsd) why = `$${report.costUsd} spent of a $${budgetUsd} budget`;
    if (why && !this.stop) {
      this.stop = new StopSession('failed', new BudgetExhaustedError(why).message);
      this.wake();
    }
  }

  // ---- synthesis and the end ---------------------------------------------------------

  /** The results and failures so far, in plan order, as synthesis sees them. */
  private collected() {
    const all = [...this.states.values()];
    return {
      outputs: all
        .filter((s) => s.output !== undefined && (s.status === 'completed' || s.persistent))
        .map((s) => ({ subtask: s.subtask.id, agent: s.agentId, role: s.role, output: s.output ?? '', ...(s.model ? { model: s.model } : {}) })),
      failures: all
        .filter((s) => s.status === 'failed')
        .map((s) => ({ subtask: s.subtask.id, agent: s.agentId, role: s.role, reason: s.error ?? 'failed' })),
    };
  }

  /** The final answer: the pattern's verdict if it reached one, else the pattern's finish (synthesis). */
  private async synthesize(): Promise<string> {
    if (this.verdict) {
      const v = this.verdict;
      this.finalStatus = v.status;
      this.finalReason = v.reason;
      if (v.extra) this.record = { ...this.record, ...v.extra };
      await this.record_({ type: 'synthesis', text: v.text, usage: { ...ZERO_USAGE }, status: v.status, ...(v.reason ? { reason: v.reason } : {}) });
      this.deps.bus.emit({ type: 'synthesis_done', text: v.text });
      return v.text;
    }
    const { outputs, failures } = this.collected();
    await this.record_({ type: 'synthesis_started' });
    this.deps.bus.emit({ type: 'synthesis_started' });
    const before = this.deps.ledger.report().agents[COORDINATOR_ID]?.usage ?? ZERO_USAGE;
    const answer = await this.pattern.finish(this.patternCtx, outputs, failures);
    const after = this.deps.ledger.report().agents[COORDINATOR_ID]?.usage ?? ZERO_USAGE;
    this.finalStatus = answer.status ?? 'completed';
    this.finalReason = answer.reason;
    const usage = {
      input_tokens: after.input_tokens - before.input_tokens,
      output_tokens: after.output_tokens - before.output_tokens,
    };
    await this.record_({ type: 'synthesis', text: answer.text, usage, ...(answer.status ? { status: answer.status } : {}), ...(answer.reason ? { reason: answer.reason } : {}) });
    this.transcript.note(`synthesis (${outputs.length} result(s), ${failures.length} failure(s))`);
    this.deps.bus.emit({ type: 'synthesis_done', text: answer.text });
    return answer.text;
  }

  private async finish(status: SessionStatus, reason?: string): Promise<CoordinatorOutcome> {
    // Let a consultation or draft in flight land before the end is recorded.
    await this.background;
    // Nothing may outlive the session: stop whatever still runs before recording the end.
    await this.stopAllWorkers(status === 'completed' ? 'session completed' : `session ${status}: ${reason ?? ''}`);
    const usage = await this.deps.ledger.save();
    try {
      await this.record_({ type: 'session_ended', status, ...(reason ? { reason } : {}) });
      this.record = { ...this.record, status, endedAt: new Date().toISOString(), ...(reason ? { reason } : {}) };
      await writeSessionRecord(this.dir, this.record);
      await updateAgentRecord(this.dir, COORDINATOR_ID, { status: status === 'completed' ? 'completed' : 'failed', endedAt: new Date().toISOString() });
    } catch (err) {
      this.log.error({ err }, 'could not record the end of the session');
    }
    this.deps.bus.emit({ type: 'session_ended', status, ...(reason ? { reason } : {}) });
    const showResult = this.synthesisText !== undefined && (status === 'completed' || status === 'needs_human');
    return { status, ...(showResult ? { result: this.synthesisText } : {}), ...(reason ? { reason } : {}), usage };
  }

  private async stopAllWorkers(reason: string): Promise<void> {
    // Finished workers exit on their own right after their result; make sure they have, so
    // that a session that says it is over really has no process left.
    await Promise.all(
      [...this.states.values()]
        .filter((s) => s.status !== 'running' && s.pid !== undefined)
        .map(async (s) => {
          if (!(await this.launcher.isWorker(s.agentId, s.pid!))) return;
          // A persistent worker waits for more rounds until told to stop: tell it now.
          if (s.persistent || !(await this.launcher.waitForExit(s.agentId, s.pid!, this.options.shutdownGraceMs))) await this.terminate(s, 'its subtask is over');
        }),
    );
    const force = this.deps.forceSignal?.aborted ?? false;
    const running = [...this.states.values()].filter((s) => s.status === 'running' && s.pid !== undefined);
    await Promise.all(
      running.map(async (s) => {
        await this.terminate(s, reason, force);
        // Its result may have arrived while the ladder ran: then it finished, it did not fail.
        await this.reader?.pump().catch(() => 0);
        if (s.status === 'completed') return;
        if (s.persistent && s.output !== undefined) {
          // A persistent worker's rounds are over; its last result stands.
          s.status = 'completed';
          await this.updateAgent(s, 'completed');
          return;
        }
        s.status = 'failed';
        s.error ??= reason;
        await this.updateAgent(s, 'terminated', { error: reason });
      }),
    );
  }

  private async shutdown(): Promise<void> {
    if (this.supervisorTimer) clearInterval(this.supervisorTimer);
    await this.reader?.stop();
  }

  private async updateAgent(s: SubtaskState, status: AgentStatus, extra: { pid?: number; startedAt?: string; error?: string } = {}): Promise<void> {
    const ended = status === 'running' || status === 'pending' ? {} : { endedAt: new Date().toISOString() };
    try {
      await updateAgentRecord(this.dir, s.agentId, { status, attempt: s.attempt, ...ended, ...extra });
    } catch (err) {
      this.log.warn({ err, worker: s.agentId }, 'could not update agent.json');
    }
  }

  // ---- waking ------------------------------------------------------------------------

  private wake(): void {
    const r = this.wakeResolve;
    this.wakeResolve = undefined;
    r?.();
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeResolve = undefined;
        resolve();
      }, ms);
      this.wakeResolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
