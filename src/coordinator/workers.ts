/**
 * The coordinator's hands on worker processes: spawn an attempt, journal a failed one
 * (through the subtask table's decision), run the termination ladder, supervise the
 * running ones (resume's reconciliation: reconcile.ts). Every state change goes through commit().
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { heartbeatAge } from '../agent/heartbeat.js';
import { ArtifactStore } from '../artifacts/store.js';
import { agentStatusForFailure } from '../engine/failures.js';
import { decideFailure, subtasksOf, waitingOn, type SubtaskState } from '../engine/subtasks.js';
import { askBeforeGivingUp, syncPeople } from './people.js';
import { overWorkerLimits, superviseWorker } from '../engine/supervisor.js';
import { describeError } from '../errors.js';
import { crashPoint, delayPoint } from '../faults.js';
import { mailboxFolder, type BodyOf } from '../mailbox/index.js';
import { COORDINATOR_ID, agentPaths } from '../session/layout.js';
import type { AgentStatus } from '../session/records.js';
import { updateAgentRecord, writeAgentRecord } from '../session/store.js';
import { declaredTools, findAgent } from '../agents/catalogue.js';
import { limitsFor } from '../agents/limits.js';
import type { WorkerLimits } from '../contracts/limits.js';
import type { CoordinatorCore } from './core.js';
import { crashDuringHandover } from './spares.js';

/** Respawns after host crashes allowed per subtask, apart from its attempts. */
export const MAX_HOST_RESPAWNS = 3;

/** The limits of a subtask's worker: its agent's own, over the session's. */
export function limitsOf(core: CoordinatorCore, s: SubtaskState): WorkerLimits {
  return limitsFor(findAgent(core.catalogue, s.role), core.options.limits);
}

/** Spawns the next attempt of a pending subtask. */
export async function spawnSubtask(core: CoordinatorCore, id: string): Promise<void> {
  const rt = core.runtime(id);
  let done!: () => void;
  rt.spawning = new Promise<void>((r) => (done = r));
  try {
    await spawnNow(core, id);
  } finally {
    done();
    rt.spawning = undefined;
  }
}

async function spawnNow(core: CoordinatorCore, id: string): Promise<void> {
  const s = core.sub(id);
  const paths = agentPaths(core.dir, s.agentId);
  const def = findAgent(core.catalogue, s.role);
  // An agent's own model applies where model ids mean something (the anthropic provider).
  const agentModel = core.record.provider === 'anthropic' ? def?.model : undefined;
  const limits = limitsOf(core, s);
  const model = s.model ?? agentModel ?? core.record.models.worker;
  // The agent's folder stays here whatever carries its mail (agent.json, transcript, log).
  await fs.mkdir(paths.dir, { recursive: true });
  await core.transport.createMailbox(s.agentId);
  await writeAgentRecord(core.dir, {
    v: 1,
    id: s.agentId,
    role: s.role,
    subtask: s.subtask.id,
    tools: def ? declaredTools(def) : [],
    model,
    limits,
    status: 'pending',
    attempt: s.attempt,
  });
  const inputs = await Promise.all(s.subtask.dependsOn.map((d) => inputFrom(core, core.sub(d))));
  // A persistent worker lost between rounds is replaced by a fresh one that the pattern
  // briefs on the round it was in; messages meant for the lost one would only confuse it.
  const between = s.persistent === true && s.round !== undefined;
  let context = s.subtask.context;
  if (between) {
    await discardStaleMessages(core, s.agentId);
    const extra = core.pattern.respawnContext?.(core.patternCtx, id);
    if (extra) context = [context, extra].filter(Boolean).join('\n\n');
  }
  const body: BodyOf<'assign'> = {
    subtask: { id: s.subtask.id, role: s.role, description: s.subtask.description, ...(context ? { context } : {}) },
    inputs,
    attempt: s.attempt,
    limits,
    model: core.record.provider === 'anthropic' ? model : s.model,
    continueFromTranscript: s.continueNext && !between,
    persistent: s.persistent === true,
  };
  // A deterministic id: an assign resent after a coordinator crash is deduplicated by the worker.
  const assignId = `assign-${s.attempt}-${s.subtask.id}`.slice(0, 64);
  await core.sender.send(s.agentId, 'assign', body, { id: assignId });
  // Before the process can beat: supervision counts its heartbeats from here (engine/supervisor.ts).
  const launchedAt = Date.now();
  // An idle warm spare, when there is one and this attempt starts a fresh history: no process to start.
  const spare = core.spares?.take(s);
  const worker = spare ? spare.worker : await core.launcher.spawn(core.dir, s.agentId, s.attempt, core.env);
  const host = worker.host !== undefined ? { host: worker.host } : {};
  const onSpare = spare ? { spare: spare.agentId } : {};
  // Handed over before the spawn is journaled, as a fresh process is started before: a
  // crash after the journal line finds the worker alive and reattaches it either way.
  await spare?.handOver(s.agentId, body);
  if (spare) await crashDuringHandover(core, s.agentId, assignId);
  core.runtime(id).terminationCause = undefined;
  await core.commit({ type: 'spawn', subtask: id, agent: s.agentId, role: s.role, attempt: s.attempt, pid: worker.pid, model, ...host, ...onSpare, at: launchedAt });
  await updateAgent(core, core.sub(id), 'running', { pid: worker.pid, startedAt: new Date().toISOString(), ...host });
  core.log.info({ worker: s.agentId, pid: worker.pid, attempt: s.attempt, stdout: paths.stdout, ...onSpare }, 'worker spawned');
  core.bus.emit({ type: 'worker_spawned', subtask: id, agent: s.agentId, role: s.role, attempt: s.attempt, pid: worker.pid, ...onSpare });
  // Our own child's exit is the fastest crash signal; the supervisor covers reattached ones.
  void worker.exited?.then(() => core.wake());
  crashPoint('after-spawn');
}

/** Moves the `message` files left unread in a dead worker's new/ to cur/, as handled. */
async function discardStaleMessages(core: CoordinatorCore, agentId: string): Promise<void> {
  // Maildir only: a Redis stream has no per-entry "handled" move outside its reader.
  if (core.transport.kind !== 'fs') return;
  const from = mailboxFolder(core.dir, agentId, 'new');
  const to = mailboxFolder(core.dir, agentId, 'cur');
  for (const name of await fs.readdir(from).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue;
    try {
      const env = JSON.parse(await fs.readFile(path.join(from, name), 'utf8')) as { type?: string };
      if (env.type !== 'message') continue;
      await fs.rename(path.join(from, name), path.join(to, name));
      core.log.info({ worker: agentId, message: name }, 'discarded a message meant for a lost worker');
    } catch {
      // Unreadable or already moved: the worker's reader deals with it.
    }
  }
}

/**
 * A dependency's output as the dependent receives it. A large one is stored as a shared
 * artifact and passed by reference (with its opening), so contexts stay small.
 */
async function inputFrom(core: CoordinatorCore, dep: SubtaskState): Promise<{ subtask: string; agent: string; output: string }> {
  const output = dep.output ?? '';
  if (output.length <= core.options.inlineOutputChars) return { subtask: dep.subtask.id, agent: dep.agentId, output };
  const name = `output-${dep.subtask.id}.md`;
  await new ArtifactStore(core.dir).put(name, output, COORDINATOR_ID, { description: `full output of ${dep.subtask.id} (${dep.agentId})` });
  const head = output.slice(0, 2000);
  return {
    subtask: dep.subtask.id,
    agent: dep.agentId,
    output: `[This output is ${output.length} characters long; it is stored as the artifact "${name}". Read it with get_artifact. Its beginning:]\n${head}\n[...]`,
  };
}

/**
 * Journals a failed attempt with its decision (retry, continue, final, fallback), then
 * carries out what follows from it. Ignored when the attempt is no longer the running one.
 */
export async function recordFailure(
  core: CoordinatorCore,
  id: string,
  attempt: number,
  code: string,
  message: string,
  extra: { messageId?: string; hostLost?: boolean } = {},
): Promise<void> {
  const rt = core.runtime(id);
  const before = core.sub(id);
  if (rt.failing || before.status !== 'running' || before.attempt !== attempt) return;
  rt.failing = true;
  try {
    const d = decideFailure(
      core.state,
      id,
      { code, message, hostLost: extra.hostLost, stopping: !!core.stopping },
      { maxAttempts: core.options.maxAttempts, maxRestarts: core.options.maxRestarts, restartWindowMs: core.options.restartWindowMs, maxHostRespawns: MAX_HOST_RESPAWNS },
      Date.now(),
    );
    if (d.next === 'final') await askBeforeGivingUp(core, id, { code, error: d.error, attempt });
    await core.commit({
      type: 'failure',
      subtask: id,
      agent: before.agentId,
      attempt,
      error: d.error,
      code,
      final: d.final,
      next: d.next,
      ...(d.fallback ? { fallback: d.fallback } : {}),
      ...(d.hostLost ? { hostLost: true } : {}),
      ...(extra.messageId ? { messageId: extra.messageId } : {}),
    });
    // Queued before anything else is awaited: once this failure is in the state, the session
    // may end at any moment, and its end waits only for what is already queued. Queued after
    // the agent.json write, the last failure's consultation was sometimes made after
    // session_ended, and its usage never reached usage.json.
    if (core.options.liveCoordination && code !== 'E_TERMINATED' && code !== 'E_SHUTDOWN' && !core.stopping && !extra.hostLost) {
      const text = `${d.final ? 'failed for good' : 'failed, will be retried'}: ${d.error}`;
      core.enqueue(() => core.consult({ kind: 'failure', agent: before.agentId, text }));
    }
    await delayPoint('after-failure-commit');
    core.bus.emit({ type: 'failure', subtask: id, agent: before.agentId, attempt, error: d.error, final: d.final });
    core.log.warn({ worker: before.agentId, attempt, code, next: d.next }, `attempt failed: ${d.error}`);
    await updateAgent(core, { ...before, attempt }, agentStatusForFailure(code), { error: d.error });
    if (d.fallback) {
      // The primary failed for good: its fallback role takes the subtask over, as a new agent.
      const why = `${before.agentId} failed for good (${d.error}); ${d.fallback.role} takes over`;
      // For people reading the session; the failure event above already made the change
      // (the fold ignores this decision once the fallback is in use).
      await core.decide('fallback', why, { subtask: id, agent: d.fallback.agent, role: d.fallback.role, from: before.agentId });
    }
    crashPoint('after-failure');
  } finally {
    rt.failing = false;
  }
  core.wake();
}

/**
 * Starts the ladder without waiting for it (it takes seconds, and the mailbox and the
 * supervisor must keep going meanwhile). A failure of the ladder itself is logged, never
 * left as an unhandled rejection that would bring the coordinator down.
 */
export function stopInBackground(core: CoordinatorCore, id: string, code: string, reason: string): void {
  terminateAndFail(core, id, code, reason).catch((err: unknown) => {
    const agent = core.sub(id).agentId;
    core.log.error({ err, worker: agent }, 'could not stop a worker');
    core.bus.emit({ type: 'notice', message: `could not stop ${agent}: ${describeError(err)}` });
  });
}

async function terminateAndFail(core: CoordinatorCore, id: string, code: string, reason: string): Promise<void> {
  const rt = core.runtime(id);
  if (rt.terminating || rt.terminationCause) return;
  rt.terminationCause = { code, reason };
  const attempt = core.sub(id).attempt;
  await terminate(core, id, reason);
  await core.reader?.pump();
  await recordFailure(core, id, attempt, code, reason);
}

/** Runs the termination ladder on one subtask's worker and journals each step. */
export async function terminate(core: CoordinatorCore, id: string, reason: string, force = false): Promise<void> {
  const s = core.sub(id);
  const rt = core.runtime(id);
  if (s.pid === undefined || rt.terminating) return;
  if (!(await core.launcher.isWorker(s.agentId, s.pid))) {
    // Already gone (or the pid now belongs to something else, which must not be signalled).
    await core.tryCommit({ type: 'terminate', subtask: id, agent: s.agentId, reason, step: 'gone' });
    return;
  }
  rt.terminating = true;
  const pid = s.pid;
  try {
    const step = await core.launcher.terminate(s.agentId, {
      pid,
      force,
      sendShutdown: async () => {
        await core.sender.send(s.agentId, 'shutdown', { reason, attempt: s.attempt });
      },
      shutdownGraceMs: core.options.shutdownGraceMs,
      termGraceMs: core.options.termGraceMs,
      onStep: async (step) => {
        await core.tryCommit({ type: 'terminate', subtask: id, agent: s.agentId, reason, step });
        core.bus.emit({ type: 'terminated', agent: s.agentId, reason, step });
      },
    });
    core.log.warn({ worker: s.agentId, pid, step, reason }, 'worker terminated');
  } finally {
    rt.terminating = false;
  }
}

/** After a worker reports failure it exits on its own; make sure of it before a retry. */
export async function waitGone(core: CoordinatorCore, id: string): Promise<void> {
  const pid = core.sub(id).pid;
  if (pid === undefined) return;
  if (await core.launcher.waitForExit(core.sub(id).agentId, pid, core.options.shutdownGraceMs)) return;
  await terminate(core, id, 'did not exit after reporting failure', true);
}

/** One pass over the running workers: dead pids, stale heartbeats, wall clocks. */
export async function superviseOnce(core: CoordinatorCore): Promise<void> {
  await syncPeople(core);
  for (const s of subtasksOf(core.state)) {
    const rt = core.runtime(s.subtask.id);
    if (s.status !== 'running' || rt.terminating || rt.spawning || s.pid === undefined) continue;
    const verdict = superviseWorker(
      s,
      {
        now: Date.now(),
        alive: await core.launcher.isAlive(s.agentId, s.pid),
        heartbeatAgeMs: heartbeatAge(agentPaths(core.dir, s.agentId).heartbeat),
        waiting: waitingOn(core.state, s.agentId) !== undefined,
      },
      { ...core.options, wallClockMs: limitsOf(core, s).wallClockMs },
    );
    if (!verdict) continue;
    if (verdict.kind === 'dead') {
      // Its last messages may be in new/ already: handle them before calling it a crash.
      await core.reader?.pump();
      const now = core.sub(s.subtask.id);
      if (now.status === 'running' && now.attempt === s.attempt) {
        await recordFailure(core, s.subtask.id, s.attempt, 'E_CRASHED', `worker pid ${s.pid} exited without a result`);
      }
      continue;
    }
    stopInBackground(core, s.subtask.id, verdict.code, verdict.reason);
  }
}

/** The coordinator's own check of a worker's turn and token limits (a worker enforces them too). */
export function checkWorkerLimits(core: CoordinatorCore, id: string, turns: number, tokens: number): void {
  const s = core.sub(id);
  if (s.status !== 'running') return;
  const why = overWorkerLimits(turns, tokens, limitsOf(core, s), s.persistent ? core.options.reflect.maxRounds : 1);
  if (why) stopInBackground(core, id, 'E_LIMIT', why);
}

/** Stops every worker still running at the end of the session, and settles what they leave. */
export async function stopAllWorkers(core: CoordinatorCore, reason: string): Promise<void> {
  // Finished workers exit on their own right after their result; make sure they have, so
  // that a session that says it is over really has no process left.
  await Promise.all(
    subtasksOf(core.state)
      .filter((s) => s.status !== 'running' && s.pid !== undefined)
      .map(async (s) => {
        if (!(await core.launcher.isWorker(s.agentId, s.pid!))) return;
        // A persistent worker waits for more rounds until told to stop: tell it now.
        if (s.persistent || !(await core.launcher.waitForExit(s.agentId, s.pid!, core.options.shutdownGraceMs))) await terminate(core, s.subtask.id, 'its subtask is over');
      }),
  );
  const force = core.forceSignal?.aborted ?? false;
  const running = subtasksOf(core.state).filter((s) => s.status === 'running' && s.pid !== undefined);
  await Promise.all(
    running.map(async (s) => {
      const id = s.subtask.id;
      await terminate(core, id, reason, force);
      // Its result may have arrived while the ladder ran: then it finished, it did not fail.
      await core.reader?.pump().catch(() => 0);
      const now = core.sub(id);
      if (now.status === 'completed') return;
      // A persistent worker's rounds are over; its last result stands.
      const ok = now.persistent === true && now.output !== undefined;
      await core.tryCommit({ type: 'settled', subtask: id, agent: now.agentId, status: ok ? 'completed' : 'failed', ...(ok ? {} : { error: reason }) });
      await updateAgent(core, now, ok ? 'completed' : 'terminated', ok ? {} : { error: reason });
    }),
  );
}

/** Writes a subtask's agent.json status; a failure to do so is logged, never fatal. */
export async function updateAgent(core: CoordinatorCore, s: SubtaskState, status: AgentStatus, extra: { pid?: number; startedAt?: string; error?: string } = {}): Promise<void> {
  const ended = status === 'running' || status === 'pending' ? {} : { endedAt: new Date().toISOString() };
  try {
    await updateAgentRecord(core.dir, s.agentId, { status, attempt: s.attempt, ...ended, ...extra });
  } catch (err) {
    core.log.warn({ err, worker: s.agentId }, 'could not update agent.json');
  }
}
