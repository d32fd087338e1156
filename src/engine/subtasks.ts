/**
 * The subtask table: every subtask's state, and the one pure function that changes it.
 *
 * Each transition (planned, spawned, started, progress, result, attempt failed, settled,
 * requeued, terminated, reattached, and a pattern's state or verdict) is a journal event.
 * `applyEvent` is the only way state changes: a live coordinator appends an event to the
 * journal and then applies it; a resumed one folds the journal through the same function.
 * It does no I/O and reads no clock (times come from the entries), so
 * fold(prefix) then fold(rest) equals fold(all).
 *
 * Decisions that depend on options or the clock (retry or not, fallback agent) are taken
 * by `decideFailure` before the event is written, and the event carries them: replaying
 * an old journal never re-decides.
 */
import type { FailureNext, JournalEntry, PersonReplyKind, PersonRequestKind, SubtaskExtras, VerdictStatus } from '../contracts/journal.js';
import type { Plan, Subtask } from '../contracts/plan.js';
import type { Role } from '../contracts/roles.js';
import { workerId } from '../session/layout.js';
import { continuesFromTranscript, isRetryable } from './failures.js';

export type SubtaskStatus = 'pending' | 'running' | 'completed' | 'failed';

/** What the engine knows about one subtask. */
export interface SubtaskState {
  subtask: Subtask;
  /** Position in the plan, from 1 (names the worker: w01-...). */
  index: number;
  agentId: string;
  role: Role;
  status: SubtaskStatus;
  /** The attempt that is running, or the next one to start. */
  attempt: number;
  /** Whether the next attempt continues from the transcript (a crash) or starts fresh. */
  continueNext: boolean;
  /** Respawns after a worker was lost with its coordinator; they do not use up attempts. */
  hostRespawns: number;
  pid?: number;
  spawnedAt?: number;
  /** When the worker reported `started`; its wall clock runs from here. */
  startedAt?: number;
  /** When this attempt last said anything (started, progress): a sign of life. */
  lastHeardAt?: number;
  turns?: number;
  output?: string;
  structured?: unknown;
  /** The last round's number, counted across attempts (reflect). */
  round?: number;
  /** Rounds done before this attempt began: a respawned persistent worker counts from 1 again. */
  roundBase?: number;
  error?: string;
  /** The code of the last failed attempt. */
  code?: string;
  /** Model id for this subtask's worker, when the pattern chose one. */
  model?: string;
  /** The model the current attempt runs on, as journaled at its spawn; its usage is priced by it. */
  runModel?: string;
  /** The worker stays for more rounds after a result (reflect). */
  persistent?: boolean;
  /** The fallback role has already been tried. */
  fallbackUsed?: boolean;
  /** The last step of the termination ladder journaled for this subtask's worker. */
  lastTermination?: string;
  /** Time this attempt spent waiting for people (answered requests): off its wall clock. */
  waitedMs?: number;
  /** The warm spare the running (or last) attempt was handed to, instead of a fresh process. */
  onSpare?: string;
}

/** A request to a person, as the journal knows it; open until it has a reply. */
export interface PersonRequest {
  id: string;
  kind: PersonRequestKind;
  /** The requester: a worker, or the coordinator. */
  agent: string;
  subtask?: string;
  tool?: string;
  summary: string;
  origin?: string;
  openedAt: number;
  reply?: { kind: PersonReplyKind; text?: string; at: number };
}

/** A warm spare as the journal knows it: idle, handed a subtask, or ended unused. */
export interface SpareState {
  pid: number;
  status: 'idle' | 'assigned' | 'ended';
  /** The subtask it took, and the agent it became, once assigned. */
  subtask?: string;
  agent?: string;
}

export interface Verdict {
  status: VerdictStatus;
  text: string;
  reason?: string;
  extra?: Record<string, unknown>;
}

/** The coordinator's whole state, as folded from the journal. */
export interface EngineState {
  plan?: Plan;
  /** By subtask id, in plan order. */
  subtasks: Readonly<Record<string, SubtaskState>>;
  order: readonly string[];
  /** Times of counted restarts (non-final failures), for restart intensity. */
  restarts: readonly number[];
  /** Fallback agents created so far (they are numbered after the plan's subtasks). */
  fallbacks: number;
  /** The pattern's own state, as its last `pattern` event left it. */
  pattern?: Record<string, unknown>;
  /** The last round of each persistent subtask that the pattern has handled. */
  handledRounds: Readonly<Record<string, number>>;
  verdict?: Verdict;
  synthesisStarted: boolean;
  /** Requests to people by id (approvals and questions), open and answered. */
  requests: Readonly<Record<string, PersonRequest>>;
  synthesis?: { text: string; status?: string; reason?: string };
  ended?: { status: string; reason?: string };
  /** Warm spares by agent id (absent until the first one). */
  spares?: Readonly<Record<string, SpareState>>;
}

export const EMPTY_STATE: EngineState = { subtasks: {}, order: [], restarts: [], fallbacks: 0, handledRounds: {}, synthesisStarted: false, requests: {} };

/** Folds journal entries into a state (from EMPTY_STATE unless given one). */
export function fold(entries: readonly JournalEntry[], from: EngineState = EMPTY_STATE): EngineState {
  return entries.reduce(applyEvent, from);
}

/** Applies one journal entry. Pure: the input state is never modified. */
export function applyEvent(state: EngineState, e: JournalEntry): EngineState {
  switch (e.type) {
    case 'plan':
      return state.plan ? state : planned(state, e.plan, e.extras ?? {});
    case 'spawn': {
      const next = update(state, e.subtask, (s) =>
        s.status === 'completed'
          ? undefined
          : {
              status: 'running',
              attempt: e.attempt,
              pid: e.pid,
              // The launch's start, not the line's: a heartbeat between the two is this attempt's.
              spawnedAt: e.at ?? e.t,
              startedAt: undefined,
              lastHeardAt: undefined,
              agentId: e.agent,
              runModel: e.model,
              ...(e.role ? { role: e.role as Role } : {}),
              ...(s.persistent ? { roundBase: s.round ?? 0 } : {}),
              waitedMs: 0,
              onSpare: e.spare,
            },
      );
      const spare = e.spare ? state.spares?.[e.spare] : undefined;
      return spare && next !== state ? withSpare(next, e.spare!, { ...spare, status: 'assigned', subtask: e.subtask, agent: e.agent }) : next;
    }
    case 'spare':
      return state.spares?.[e.agent] ? state : withSpare(state, e.agent, { pid: e.pid, status: 'idle' });
    case 'spare_ended': {
      const spare = state.spares?.[e.agent];
      return spare?.status === 'idle' ? withSpare(state, e.agent, { ...spare, status: 'ended' }) : state;
    }
    case 'started':
      return update(state, e.subtask, (s) => (s.attempt === e.attempt && s.status === 'running' ? { startedAt: e.t, lastHeardAt: e.t } : undefined));
    case 'progress':
      return update(state, e.subtask, (s) => (s.attempt === e.attempt && s.status === 'running' ? { lastHeardAt: e.t, turns: e.turn } : undefined));
    case 'reattach': {
      const next = update(state, e.subtask, (s) =>
        s.status === 'running' || s.status === 'pending'
          ? { status: 'running', pid: e.pid, spawnedAt: s.spawnedAt ?? e.t, startedAt: s.startedAt ?? e.t, lastHeardAt: e.t, ...(e.spare ? { onSpare: e.spare } : {}) }
          : undefined,
      );
      const spare = e.spare ? state.spares?.[e.spare] : undefined;
      return spare && next !== state ? withSpare(next, e.spare!, { ...spare, status: 'assigned', subtask: e.subtask, agent: e.agent }) : next;
    }
    case 'result':
      return update(state, e.subtask, (s) => {
        if (s.status === 'completed' || s.status === 'failed') return undefined; // a duplicate delivery
        return {
          output: e.output,
          structured: e.structured,
          ...(e.round !== undefined ? { round: (s.roundBase ?? 0) + e.round } : {}),
          attempt: e.attempt,
          turns: e.turns,
          lastHeardAt: e.t,
          // A persistent worker stays for more rounds; the pattern settles it.
          status: s.persistent ? s.status : 'completed',
        };
      });
    case 'failure':
      return failed(state, e);
    case 'settled':
      return update(state, e.subtask, (s) =>
        s.status === 'completed' || s.status === 'failed' ? undefined : { status: e.status, ...(e.error !== undefined ? { error: s.error ?? e.error } : {}) },
      );
    case 'requeue':
      return update(state, e.subtask, (s) => {
        if (s.status !== 'failed' && s.status !== 'pending') return undefined;
        const context = e.instructions ? [s.subtask.context, e.instructions].filter(Boolean).join('\n') : s.subtask.context;
        return {
          status: 'pending',
          error: undefined,
          continueNext: false,
          // A fresh attempt number, so its assignment is never mistaken for the last one's.
          attempt: s.status === 'failed' ? s.attempt + 1 : s.attempt,
          subtask: { ...s.subtask, ...(context !== undefined ? { context } : {}) },
        };
      });
    case 'terminate': {
      const id = e.subtask ?? findByAgent(state, e.agent)?.subtask.id;
      return id ? update(state, id, () => ({ lastTermination: e.step })) : state;
    }
    case 'pattern':
      return { ...state, pattern: e.state, ...(e.handled ? { handledRounds: { ...state.handledRounds, [e.handled.subtask]: e.handled.round } } : {}) };
    case 'verdict':
      return state.verdict ? state : { ...state, verdict: { status: e.status, text: e.text, ...(e.reason ? { reason: e.reason } : {}), ...(e.extra ? { extra: e.extra } : {}) } };
    case 'request': {
      // Old states (folded before people existed) have no table; a repeat changes nothing.
      const requests = state.requests ?? {};
      if (requests[e.id]) return state;
      const r: PersonRequest = { id: e.id, kind: e.kind, agent: e.agent, summary: e.summary, openedAt: e.sentAt, ...(e.subtask ? { subtask: e.subtask } : {}), ...(e.tool ? { tool: e.tool } : {}), ...(e.origin ? { origin: e.origin } : {}) };
      return { ...state, requests: { ...requests, [e.id]: r } };
    }
    case 'reply': {
      const r = state.requests?.[e.id];
      if (!r || r.reply) return state;
      const reply = { kind: e.kind, at: e.at, ...(e.text !== undefined ? { text: e.text } : {}) };
      const after = { ...state, requests: { ...state.requests, [e.id]: { ...r, reply } } };
      // The wait is off the requester's wall clock (counted from when this attempt began).
      const s = r.subtask ? after.subtasks[r.subtask] : undefined;
      if (!s || s.agentId !== r.agent || s.status !== 'running') return after;
      const from = Math.max(r.openedAt, s.startedAt ?? r.openedAt);
      return update(after, s.subtask.id, (x) => ({ waitedMs: (x.waitedMs ?? 0) + Math.max(0, e.at - from) }));
    }
    case 'synthesis_started':
      return { ...state, synthesisStarted: true };
    case 'synthesis':
      return { ...state, synthesis: { text: e.text, ...(e.status ? { status: e.status } : {}), ...(e.reason ? { reason: e.reason } : {}) } };
    case 'decision':
      // Journals written before the engine: a fallback was its own event after a final failure.
      if (e.what === 'fallback' && typeof e.subtask === 'string' && typeof e.agent === 'string') {
        const agent = e.agent;
        const role = e.role as Role;
        const next = update(state, e.subtask, (s) => (s.fallbackUsed ? undefined : fallbackChanges(agent, role)));
        return next === state ? state : { ...next, fallbacks: next.fallbacks + 1 };
      }
      return state;
    case 'session_ended':
      return { ...state, ended: { status: e.status, ...(e.reason ? { reason: e.reason } : {}) } };
    default:
      return state;
  }
}

function withSpare(state: EngineState, agent: string, spare: SpareState): EngineState {
  return { ...state, spares: { ...state.spares, [agent]: spare } };
}

function planned(state: EngineState, plan: Plan, extras: Record<string, SubtaskExtras>): EngineState {
  const subtasks: Record<string, SubtaskState> = {};
  plan.subtasks.forEach((subtask, i) => {
    subtasks[subtask.id] = {
      subtask,
      index: i + 1,
      agentId: workerId(i + 1, subtask.role),
      role: subtask.role,
      status: 'pending',
      attempt: 1,
      continueNext: false,
      hostRespawns: 0,
      ...extras[subtask.id],
    };
  });
  return { ...state, plan, subtasks, order: plan.subtasks.map((s) => s.id) };
}

type FailureEntry = Extract<JournalEntry, { type: 'failure' }>;

function failed(state: EngineState, e: FailureEntry): EngineState {
  const s = state.subtasks[e.subtask];
  if (!s || s.status === 'completed' || s.status === 'failed' || s.attempt !== e.attempt) return state;
  const next: FailureNext = e.next ?? (e.final ? 'final' : continuesFromTranscript(e.code) ? 'continue' : 'retry');
  const base = { pid: undefined, error: e.error, code: e.code };
  if (next === 'fallback' && e.fallback) {
    const after = update(state, e.subtask, () => ({ ...base, ...fallbackChanges(e.fallback!.agent, e.fallback!.role) }));
    return { ...after, fallbacks: after.fallbacks + 1 };
  }
  if (next === 'final' || next === 'fallback') return update(state, e.subtask, () => ({ ...base, status: 'failed' }));
  const after = update(state, e.subtask, (x) => ({
    ...base,
    status: 'pending',
    attempt: x.attempt + 1,
    continueNext: next === 'continue',
    hostRespawns: x.hostRespawns + (e.hostLost ? 1 : 0),
  }));
  // A worker lost with its host is not the worker's fault: it does not count as a restart.
  return e.hostLost ? after : { ...after, restarts: [...after.restarts, e.t] };
}

function fallbackChanges(agentId: string, role: Role): Partial<SubtaskState> {
  return { agentId, role, attempt: 1, status: 'pending', pid: undefined, fallbackUsed: true, continueNext: false, hostRespawns: 0, startedAt: undefined, spawnedAt: undefined };
}

function update(state: EngineState, id: string, change: (s: SubtaskState) => Partial<SubtaskState> | undefined): EngineState {
  const s = state.subtasks[id];
  if (!s) return state;
  const changes = change(s);
  if (!changes) return state;
  return { ...state, subtasks: { ...state.subtasks, [id]: { ...s, ...changes } } };
}

/** The subtask whose current (or earlier) agent has this id. */
export function findByAgent(state: EngineState, agentId: string): SubtaskState | undefined {
  return Object.values(state.subtasks).find((s) => s.agentId === agentId);
}

/** Requests to people that have no reply yet, oldest first. */
export function openRequests(state: EngineState): PersonRequest[] {
  return Object.values(state.requests ?? {})
    .filter((r) => !r.reply)
    .sort((a, b) => a.openedAt - b.openedAt);
}

/**
 * Open requests someone still waits on: the coordinator's own, and those of a worker whose
 * subtask runs with that agent (a request of an attempt that was replaced waits for nobody).
 */
export function liveRequests(state: EngineState): PersonRequest[] {
  return openRequests(state).filter((r) => {
    if (!r.subtask) return true;
    const s = state.subtasks[r.subtask];
    return r.agent === 'coordinator' || (s !== undefined && s.agentId === r.agent && s.status === 'running');
  });
}

/** The open request an agent is waiting on, if any. */
export function waitingOn(state: EngineState, agentId: string): PersonRequest | undefined {
  return openRequests(state).find((r) => r.agent === agentId);
}

/** The subtasks in plan order. */
export function subtasksOf(state: EngineState): SubtaskState[] {
  return state.order.map((id) => state.subtasks[id]!);
}

// ---- decisions (pure, taken before the event is written) -------------------------------

export interface RetryRules {
  /** Attempts per subtask, the first included; host-lost respawns are not counted. */
  maxAttempts: number;
  maxRestarts: number;
  restartWindowMs: number;
  /** Respawns after host crashes (a worker lost with its coordinator) per subtask. */
  maxHostRespawns: number;
}

export interface FailureInput {
  code: string;
  message: string;
  /** The worker was lost together with its coordinator (found gone on resume). */
  hostLost?: boolean;
  /** The session is stopping: nothing is retried. */
  stopping?: boolean;
}

export interface FailureDecision {
  next: FailureNext;
  /** The current agent failed for good. */
  final: boolean;
  error: string;
  fallback?: { agent: string; role: Role };
  hostLost?: boolean;
}

/** Decides what a failed attempt of subtask `id` leads to, at time `now`. */
export function decideFailure(state: EngineState, id: string, f: FailureInput, rules: RetryRules, now: number): FailureDecision {
  const s = state.subtasks[id];
  if (!s) throw new Error(`decideFailure: unknown subtask ${id}`);
  let error = f.message;
  const retryable = isRetryable(f.code) && !f.stopping;
  // A host crash respawns within its own bound, without using up an attempt or a restart.
  if (retryable && f.hostLost && s.hostRespawns < rules.maxHostRespawns) {
    return { next: 'continue', final: false, error, hostLost: true };
  }
  const counted = s.attempt - s.hostRespawns;
  let final = !retryable || counted >= rules.maxAttempts;
  if (!final) {
    const recent = state.restarts.filter((t) => now - t <= rules.restartWindowMs).length;
    if (recent >= rules.maxRestarts) {
      final = true;
      error = `${f.message} (no retry: restart intensity reached, ${recent} restarts in ${rules.restartWindowMs} ms)`;
    }
  }
  if (!final) return { next: continuesFromTranscript(f.code) ? 'continue' : 'retry', final: false, error };
  const fallbackRole = s.subtask.fallbackRole;
  if (fallbackRole && !s.fallbackUsed && !f.stopping && f.code !== 'E_TERMINATED') {
    const agent = workerId((state.plan?.subtasks.length ?? 0) + state.fallbacks + 1, fallbackRole);
    return { next: 'fallback', final: true, error, fallback: { agent, role: fallbackRole } };
  }
  return { next: 'final', final: true, error };
}
