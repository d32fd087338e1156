/**
 * Operator control from outside the session's process: `mailroom kill <session> [agent]`.
 * With a live coordinator, the request goes to its mailbox and the coordinator runs the
 * termination ladder (so it knows the stop was deliberate and does not retry). With no
 * live coordinator, this process takes the session lock and runs the ladder itself.
 */
import { MailroomError } from '../errors.js';
import { MailboxSender } from '../mailbox/index.js';
import { Journal } from '../session/journal.js';
import { COORDINATOR_ID, resolveRuntimeDir, sessionPaths } from '../session/layout.js';
import { acquireSessionLock } from '../session/lock.js';
import { readAgentRecord, readSessionRecord, updateAgentRecord, writeSessionRecord } from '../session/store.js';
import { isPidAlive } from '../util/fs.js';
import { findSession } from './api.js';
import { findWorkerProcesses } from '../engine/process/procscan.js';
import { terminateProcess } from '../engine/process/terminate.js';

export interface KillOptions {
  runtimeDir?: string;
  reason?: string;
  /** How long to wait for a live coordinator to carry the request out. */
  waitMs?: number;
}

export interface KillOutcome {
  sessionId: string;
  /** Who did it: the live coordinator, or this process directly. */
  via: 'coordinator' | 'direct';
  /** Agents that were stopped, with the last ladder step each needed. */
  stopped: Array<{ agent: string; pid: number; step: string }>;
  /** Agents still alive at the end (should be none). */
  alive: string[];
}

export async function killSession(ref: string, agent: string | undefined, opts: KillOptions = {}): Promise<KillOutcome> {
  const dir = await findSession(resolveRuntimeDir(opts.runtimeDir), ref);
  const record = await readSessionRecord(dir);
  const reason = opts.reason ?? 'requested by the operator';
  const before = findWorkerProcesses(dir);
  if (agent !== undefined && agent !== COORDINATOR_ID) {
    await readAgentRecord(dir, agent).catch(() => {
      throw new MailroomError('E_UNKNOWN_AGENT', `session ${record.id} has no agent "${agent}"`);
    });
  }
  const targets = [...before.entries()].filter(([a]) => agent === undefined || a === agent);

  if (record.status === 'running' && isPidAlive(record.coordinatorPid)) {
    const sender = new MailboxSender({ sessionDir: dir, sessionId: record.id, from: 'operator' });
    await sender.send(COORDINATOR_ID, 'terminate', { ...(agent ? { agent } : {}), reason });
    const wait = opts.waitMs ?? (record.options.shutdownGraceMs + record.options.termGraceMs + 10_000);
    const deadline = Date.now() + wait;
    for (;;) {
      const alive = targets.filter(([, pid]) => isPidAlive(pid));
      const sessionDone = agent !== undefined || (await readSessionRecord(dir)).status !== 'running';
      if (alive.length === 0 && sessionDone) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      sessionId: record.id,
      via: 'coordinator',
      stopped: targets.filter(([, pid]) => !isPidAlive(pid)).map(([a, pid]) => ({ agent: a, pid, step: 'by coordinator' })),
      alive: targets.filter(([, pid]) => isPidAlive(pid)).map(([a]) => a),
    };
  }

  // No coordinator: act directly, under the session lock so no coordinator starts meanwhile.
  const { lock } = await acquireSessionLock(dir);
  try {
    const journal = new Journal(sessionPaths(dir).journal, () => lock.epoch);
    const sender = new MailboxSender({ sessionDir: dir, sessionId: record.id, from: 'operator', epoch: lock.epoch });
    const stopped: KillOutcome['stopped'] = [];
    await Promise.all(
      targets.map(async ([a, pid]) => {
        const step = await terminateProcess({
          pid,
          sendShutdown: async () => {
            const attempt = (await readAgentRecord(dir, a).catch(() => undefined))?.attempt;
            await sender.send(a, 'shutdown', { reason, ...(attempt ? { attempt } : {}) });
          },
          shutdownGraceMs: record.options.shutdownGraceMs,
          termGraceMs: record.options.termGraceMs,
          onStep: async (s) => {
            await journal.append({ type: 'terminate', agent: a, reason, step: s });
          },
        });
        await updateAgentRecord(dir, a, { status: 'terminated', endedAt: new Date().toISOString(), error: reason }).catch(() => undefined);
        stopped.push({ agent: a, pid, step });
      }),
    );
    if (agent === undefined) {
      const current = await readSessionRecord(dir);
      if (current.status === 'running') {
        await journal.append({ type: 'session_ended', status: 'interrupted', reason: `killed by the operator: ${reason}` });
        await writeSessionRecord(dir, { ...current, status: 'interrupted', reason: `killed by the operator: ${reason}`, endedAt: new Date().toISOString() });
      }
    }
    return { sessionId: record.id, via: 'direct', stopped, alive: targets.filter(([, pid]) => isPidAlive(pid)).map(([a]) => a) };
  } finally {
    await lock.release();
  }
}
