/**
 * Resume's reconciliation of the journal with the worker processes a dead coordinator
 * left: every subtask the journal says is running is reattached or settled, and no other
 * live worker of the session is left to run beside a new attempt.
 *
 * The journal can lag its processes by one step: a worker is started (or a warm spare is
 * handed a subtask) before its `spawn` line is written, so a SIGKILL in between leaves a
 * live worker for a subtask the journal still calls `pending`. Starting that subtask
 * again would give its agent two processes, so such a worker is reattached when it runs
 * the subtask's current attempt (the reattach stands for the lost spawn line), and ended
 * otherwise, before anything is (re)spawned.
 */
import { heartbeatAge } from '../agent/heartbeat.js';
import { isSpareId } from '../contracts/spares.js';
import { findByAgent, subtasksOf, type SubtaskState } from '../engine/subtasks.js';
import { agentPaths } from '../session/layout.js';
import { readAgentRecord } from '../session/store.js';
import type { CoordinatorCore } from './core.js';
import { settleHandedSpares, spareWithPid } from './spares.js';
import { recordFailure, terminate } from './workers.js';

/**
 * On resume, after the mailbox backlog is handled: every subtask the journal says is
 * running (or that has a live worker for its current attempt, its spawn line lost) is
 * either still alive (reattach), or dead (a new attempt, from its transcript; it was lost
 * with its coordinator, so the respawn does not use up an attempt). Then every other live
 * worker is ended, and spares handed over but never journaled as spawned are settled.
 */
export async function reconcile(core: CoordinatorCore): Promise<void> {
  const live = await core.launcher.findWorkers(core.dir);
  // A worker that ended after the reader's first pass left its last messages behind it:
  // handle them before judging the workers found gone (bounded: live workers keep sending).
  for (let i = 0; i < 100 && core.reader && (await core.reader.pump()) > 0; i++);
  const staleAfter = core.options.heartbeatIntervalMs * core.options.heartbeatMisses;
  for (const before of subtasksOf(core.state)) {
    const id = before.subtask.id;
    const pid = live.get(before.agentId);
    const unjournaled = before.status === 'pending' && pid !== undefined && (await runsCurrentAttempt(core, before));
    if (before.status !== 'running' && !unjournaled) continue;
    const s = core.sub(id);
    if (pid !== undefined) {
      const spare = unjournaled ? spareWithPid(core, pid) : undefined;
      await core.commit({ type: 'reattach', subtask: id, agent: s.agentId, attempt: s.attempt, pid, ...(spare ? { spare } : {}) });
      const age = heartbeatAge(agentPaths(core.dir, s.agentId).heartbeat);
      if (age !== undefined && age <= staleAfter) {
        core.bus.emit({ type: 'worker_reattached', subtask: id, agent: s.agentId, pid });
        core.log.info({ worker: s.agentId, pid, ...(unjournaled ? { spawnLineLost: true } : {}), ...(spare ? { spare } : {}) }, 'reattached to a live worker');
        continue;
      }
      // Alive but silent: stop it before anything else runs this subtask.
      await terminate(core, id, `no heartbeat for ${age ?? '?'} ms at resume`);
      await recordFailure(core, id, s.attempt, 'E_NO_HEARTBEAT', `no heartbeat for ${age ?? '?'} ms when the session resumed`);
      continue;
    }
    await recordFailure(core, id, s.attempt, 'E_CRASHED', 'the worker was gone when the session resumed', { hostLost: true });
  }
  await endUnownedWorkers(core, live);
  await settleHandedSpares(core);
}

/**
 * Whether the agent's live worker runs this pending subtask's current attempt: the
 * agent.json that spawnNow wrote just before starting it (or handing it to a spare) names
 * this subtask and attempt. A worker of an earlier attempt, or of an unknown one, is not
 * adopted (it is ended instead).
 */
async function runsCurrentAttempt(core: CoordinatorCore, s: SubtaskState): Promise<boolean> {
  try {
    const rec = await readAgentRecord(core.dir, s.agentId);
    return rec.attempt === s.attempt && rec.subtask === s.subtask.id;
  } catch {
    return false;
  }
}

/**
 * Ends every live worker of the session that no running subtask owns: one whose attempt is
 * over, or was never journaled and not adopted above. Straight to SIGTERM (then SIGKILL):
 * a `shutdown` it never read would stay in the agent's mailbox, where the subtask's next
 * worker could take it as its own. Spares are not looked at here: an earlier coordinator's
 * idle ones were ended before this coordinator started its own (endStraySpares).
 */
async function endUnownedWorkers(core: CoordinatorCore, live: ReadonlyMap<string, number>): Promise<void> {
  const owned = new Set(subtasksOf(core.state).filter((s) => s.status === 'running').map((s) => s.agentId));
  for (const [agent, pid] of live) {
    if (isSpareId(agent) || owned.has(agent)) continue;
    if (!(await core.launcher.isWorker(agent, pid))) continue;
    const reason = 'a live worker that no running subtask owns when the session resumed';
    const subtask = findByAgent(core.state, agent)?.subtask.id;
    try {
      await core.launcher.terminate(agent, {
        pid,
        force: true,
        sendShutdown: async () => undefined,
        shutdownGraceMs: core.options.shutdownGraceMs,
        termGraceMs: core.options.termGraceMs,
        onStep: async (step) => {
          await core.tryCommit({ type: 'terminate', ...(subtask ? { subtask } : {}), agent, reason, step });
          core.bus.emit({ type: 'terminated', agent, reason, step });
        },
      });
      core.log.warn({ worker: agent, pid }, `ended ${reason}`);
    } catch (err) {
      core.log.error({ err, worker: agent, pid }, 'could not end a stray worker');
      throw err;
    }
  }
}
