/**
 * Operator control from outside the session's process: `mailroom kill <session> [agent]`.
 * With a live coordinator, the request goes to its mailbox and the coordinator runs the
 * termination ladder (so it knows the stop was deliberate and does not retry). With no
 * live coordinator, this process takes the session lock and runs the ladder itself; for a
 * worker on a worker host (redis transport, `redisUrl`) it asks that host to run the ladder
 * there and follows the steps the host reports.
 */
import fs from 'node:fs/promises';
import { MailroomError, UsageError } from '../errors.js';
import { FsTransport } from '../mailbox/fs-transport.js';
import { openSessionTransport } from '../mailbox/open.js';
import { Journal } from '../session/journal.js';
import { COORDINATOR_ID, resolveRuntimeDir, sessionPaths } from '../session/layout.js';
import { acquireSessionLock } from '../session/lock.js';
import { readAgentRecord, readSessionRecord, updateAgentRecord, writeSessionRecord } from '../session/store.js';
import { isPidAlive } from '../util/fs.js';
import { findSession } from './api.js';
import { findWorkerProcesses } from '../engine/process/procscan.js';
import { terminateProcess } from '../engine/process/terminate.js';
import { killRemoteWorker, remoteWorkers, type RemoteWorker } from '../worker-host/remote-kill.js';

export interface KillOptions {
  runtimeDir?: string;
  reason?: string;
  /** How long to wait for a live coordinator to carry the request out. */
  waitMs?: number;
  /** The session's Redis (redis transport): workers on worker hosts are found and stopped through it. */
  redisUrl?: string;
}

export interface KillOutcome {
  sessionId: string;
  /** Who did it: the live coordinator, or this process directly. */
  via: 'coordinator' | 'direct';
  /** Agents that were stopped, with the last ladder step each needed. */
  stopped: Array<{ agent: string; pid: number; step: string; host?: string }>;
  /** Agents still alive at the end (should be none). */
  alive: string[];
  /** Workers on worker hosts the live coordinator was asked to stop, which this process could not watch (no Redis URL). */
  unconfirmed?: Array<{ agent: string; host: string }>;
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
  const { remote, unreachable } = await remoteTargets(dir, record.id, agent, before, opts.redisUrl);

  if (record.status === 'running' && isPidAlive(record.coordinatorPid)) {
    // The coordinator's mailbox is where the session's transport keeps it (a redis stream needs --redis).
    const transport = await openSessionTransport(dir, record, opts.redisUrl ? { redisUrl: opts.redisUrl } : {});
    try {
      await transport.sender({ from: 'operator' }).send(COORDINATOR_ID, 'terminate', { ...(agent ? { agent } : {}), reason });
    } finally {
      await transport.close();
    }
    const wait = opts.waitMs ?? (record.options.shutdownGraceMs + record.options.termGraceMs + 10_000);
    const deadline = Date.now() + wait;
    // The coordinator stops a remote worker through its launcher; its alive key says when.
    const remoteAlive = async () => {
      if (remote.size === 0 || !opts.redisUrl) return [] as string[];
      const now = await remoteWorkers(opts.redisUrl, record.id, [...remote.keys()]);
      return [...remote].filter(([a, w]) => now.get(a)?.pid === w.pid).map(([a]) => a);
    };
    let stillRemote: string[] = [];
    for (;;) {
      const alive = targets.filter(([, pid]) => isPidAlive(pid));
      stillRemote = await remoteAlive();
      const sessionDone = agent !== undefined || (await readSessionRecord(dir)).status !== 'running';
      if (alive.length === 0 && stillRemote.length === 0 && sessionDone) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, remote.size > 0 ? 300 : 100));
    }
    return {
      sessionId: record.id,
      via: 'coordinator',
      stopped: [
        ...targets.filter(([, pid]) => !isPidAlive(pid)).map(([a, pid]) => ({ agent: a, pid, step: 'by coordinator' })),
        ...[...remote].filter(([a]) => !stillRemote.includes(a)).map(([a, w]) => ({ agent: a, pid: w.pid, host: w.host, step: 'by coordinator' })),
      ],
      alive: [...targets.filter(([, pid]) => isPidAlive(pid)).map(([a]) => a), ...stillRemote],
      ...(unreachable.length > 0 ? { unconfirmed: unreachable } : {}),
    };
  }

  // No coordinator: act directly, under the session lock so no coordinator starts meanwhile.
  const [lost] = unreachable;
  if (lost) throw new UsageError(`worker ${lost.agent} runs on worker host ${lost.host}: give --redis <url> (or MAILROOM_REDIS_URL with --redis) so the kill reaches that host`);
  const { lock } = await acquireSessionLock(dir);
  try {
    const journal = new Journal(sessionPaths(dir).journal, () => lock.epoch);
    // Local workers only (remote ones are stopped by their hosts below): their Maildirs.
    const sender = new FsTransport(dir, record.id).sender({ from: 'operator', epoch: lock.epoch });
    const stopped: KillOutcome['stopped'] = [];
    await Promise.all([
      ...targets.map(async ([a, pid]) => {
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
      ...[...remote].map(async ([a, w]) => {
        // The host runs the ladder next to the process; its steps are journaled here as they come.
        const step = await killRemoteWorker({
          url: opts.redisUrl!,
          sessionId: record.id,
          agent: a,
          worker: w,
          reason,
          shutdownGraceMs: record.options.shutdownGraceMs,
          termGraceMs: record.options.termGraceMs,
          onStep: async (s) => void (await journal.append({ type: 'terminate', agent: a, reason, step: s })),
        });
        await updateAgentRecord(dir, a, { status: 'terminated', endedAt: new Date().toISOString(), error: reason }).catch(() => undefined);
        stopped.push({ agent: a, pid: w.pid, host: w.host, step });
      }),
    ]);
    if (agent === undefined) {
      const current = await readSessionRecord(dir);
      if (current.status === 'running') {
        await journal.append({ type: 'session_ended', status: 'interrupted', reason: `killed by the operator: ${reason}` });
        await writeSessionRecord(dir, { ...current, status: 'interrupted', reason: `killed by the operator: ${reason}`, endedAt: new Date().toISOString() });
      }
    }
    const remoteLeft = opts.redisUrl && remote.size > 0 ? await remoteWorkers(opts.redisUrl, record.id, [...remote.keys()]) : new Map<string, RemoteWorker>();
    const alive = [...targets.filter(([, pid]) => isPidAlive(pid)).map(([a]) => a), ...[...remote].filter(([a, w]) => remoteLeft.get(a)?.pid === w.pid).map(([a]) => a)];
    return { sessionId: record.id, via: 'direct', stopped, alive };
  } finally {
    await lock.release();
  }
}

/**
 * The workers to stop that run on worker hosts: those with an alive key in the session's
 * Redis and no process here. Without a Redis URL they cannot be seen: `unreachable` lists
 * the running workers whose record names a host (a live coordinator still reaches them).
 */
async function remoteTargets(
  dir: string,
  sessionId: string,
  agent: string | undefined,
  local: Map<string, number>,
  url: string | undefined,
): Promise<{ remote: Map<string, RemoteWorker>; unreachable: Array<{ agent: string; host: string }> }> {
  const names = agent !== undefined ? [agent] : (await fs.readdir(sessionPaths(dir).agents).catch(() => [] as string[])).filter((a) => a !== COORDINATOR_ID);
  const candidates = names.filter((a) => !local.has(a));
  if (candidates.length === 0) return { remote: new Map(), unreachable: [] };
  if (url) return { remote: await remoteWorkers(url, sessionId, candidates), unreachable: [] };
  const unreachable: Array<{ agent: string; host: string }> = [];
  for (const a of candidates) {
    const rec = await readAgentRecord(dir, a).catch(() => undefined);
    if (rec?.host && rec.status === 'running') unreachable.push({ agent: a, host: rec.host });
  }
  return { remote: new Map(), unreachable };
}
