/**
 * `mailroom kill` for a worker that runs on a worker host: the request goes to that host's
 * control stream, the host runs the termination ladder there (host.ts), and this side
 * follows the steps it reports on the session's report stream until the end.
 */
import type { Redis } from 'ioredis';
import { newId } from '../util/ids.js';
import { MailroomError } from '../errors.js';
import { withRedisClient } from '../mailbox/redis/connect.js';
import { parseRead } from '../mailbox/redis/replies.js';
import type { TerminationStep } from '../engine/process/terminate.js';
import { aliveKey, hostControlStream, reportStream, type TerminateRequest } from './protocol.js';

/** A worker the hosts see alive: where, which process, which attempt. */
export interface RemoteWorker {
  host: string;
  pid: number;
  attempt: number;
}

/** The alive key of each agent that has one (a worker running on a host now). */
export function remoteWorkers(url: string, sessionId: string, agents: string[]): Promise<Map<string, RemoteWorker>> {
  return withRedisClient(url, 'mailroom-kill', async (client) => {
    const out = new Map<string, RemoteWorker>();
    for (const agent of agents) {
      const at = await readAlive(client, sessionId, agent);
      if (at) out.set(agent, at);
    }
    return out;
  });
}

async function readAlive(client: Redis, sessionId: string, agent: string): Promise<RemoteWorker | undefined> {
  const v = await client.get(aliveKey(sessionId, agent));
  if (!v) return undefined;
  const [host, pid, attempt] = v.split(' ');
  return { host: host!, pid: Number(pid), attempt: Number(attempt) };
}

export interface RemoteKillOptions {
  url: string;
  sessionId: string;
  agent: string;
  worker: RemoteWorker;
  reason: string;
  shutdownGraceMs: number;
  termGraceMs: number;
  /** Each step as the host takes it, for the journal. */
  onStep?: (step: TerminationStep) => Promise<void> | void;
}

/**
 * Asks the worker's host to run the ladder and waits for its answer; resolves with the
 * last step needed. Throws E_TERMINATE when the host says the process survived, or when no
 * answer comes (a host that is down: its workers die with it, their alive keys expire).
 */
export function killRemoteWorker(opts: RemoteKillOptions): Promise<TerminationStep> {
  return withRedisClient(opts.url, 'mailroom-kill', async (client) => {
    const reports = reportStream(opts.sessionId);
    const newest = (await client.xrevrange(reports, '+', '-', 'COUNT', 1)) as [string, string[]][];
    let from = newest[0]?.[0] ?? '0-0';
    const req: TerminateRequest = {
      session: opts.sessionId,
      agent: opts.agent,
      attempt: opts.worker.attempt,
      action: 'terminate',
      id: newId(12),
      reason: opts.reason,
      shutdownGraceMs: opts.shutdownGraceMs,
      termGraceMs: opts.termGraceMs,
    };
    await client.xadd(hostControlStream(opts.worker.host), '*', 'json', JSON.stringify(req));
    // The ladder's own bound (SIGKILL is given 5 s), plus slack for a loaded host.
    const deadline = Date.now() + opts.shutdownGraceMs + opts.termGraceMs + 5_000 + 15_000;
    while (Date.now() < deadline) {
      const raw = await client.call('XREAD', 'COUNT', '100', 'BLOCK', '500', 'STREAMS', reports, from);
      for (const e of parseRead(raw)) {
        from = e.id;
        const f = e.fields ?? {};
        if (f.request !== req.id) continue;
        if (f.event === 'terminate' && f.step) await opts.onStep?.(f.step as TerminationStep);
        if (f.event === 'terminated') return (f.step ?? 'gone') as TerminationStep;
        if (f.event === 'terminate-failed') throw new MailroomError('E_TERMINATE', `worker host ${opts.worker.host} could not stop ${opts.agent} (pid ${opts.worker.pid}): ${f.error ?? 'no reason given'}`);
      }
    }
    const still = await readAlive(client, opts.sessionId, opts.agent);
    if (!still || still.pid !== opts.worker.pid) return 'gone';
    throw new MailroomError('E_TERMINATE', `worker host ${opts.worker.host} did not answer the request to stop ${opts.agent} (pid ${opts.worker.pid}); is its \`mailroom worker-host\` running?`);
  });
}
