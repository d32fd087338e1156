/**
 * A warm spare (`worker --spare`): a worker process started before its subtask exists
 * (coordinator/spares.ts). It heartbeats and reads its own mailbox (agents/spare-NN/), and
 * meanwhile loads the code every worker needs after its assignment (after-assign.ts), so
 * that nothing but the assignment itself is left to wait for. When an assign naming an
 * `agent` arrives, it stops reading its own mailbox and becomes that agent: the caller runs
 * the ordinary worker as it (runWorker), which reads that agent's own assign, sends
 * `started` and loads the role's tools. It has no history of its own to carry over.
 *
 * It never outlives its session: it leaves on `shutdown`, and on its own once the
 * coordinator that started it is gone (a SIGKILLed coordinator included); a resumed
 * coordinator does not inherit idle spares.
 */
import type { Logger } from '../log.js';
import { MailboxReader, MailboxSender } from '../mailbox/index.js';
import { Heartbeat } from '../agent/heartbeat.js';
import { COORDINATOR_ID, agentPaths } from '../session/layout.js';
import { readSessionRecord } from '../session/store.js';
import { isPidAlive } from '../util/fs.js';

/** How often an idle spare checks that its coordinator still lives. */
export const SPARE_PARENT_CHECK_MS = 250;

export interface SpareOptions {
  sessionDir: string;
  /** The spare's own id (spare-NN). */
  spareId: string;
  logger: Logger;
}

/** What a spare was handed: the agent it becomes, and the attempt it announced as started. */
export interface Handed {
  agent: string;
  started: { attempt: number; subtask: string };
}

/**
 * Waits as a spare; resolves with what it was handed, or undefined when it ends unused.
 * On the hand-over it sends `started` for the agent at once: it holds the assignment (the
 * same body as the agent's own assign) and its code is loaded, which is all `started`
 * says; the coordinator waits no longer than that. runWorker then skips its own.
 */
export async function runSpare(opts: SpareOptions): Promise<Handed | undefined> {
  const { sessionDir, spareId, logger } = opts;
  const session = await readSessionRecord(sessionDir);
  const heartbeat = new Heartbeat(agentPaths(sessionDir, spareId).heartbeat, session.options.heartbeatIntervalMs);
  heartbeat.start();
  let settle!: (handed: Handed | undefined) => void;
  const outcome = new Promise<Handed | undefined>((r) => (settle = r));
  const reader = new MailboxReader({
    sessionDir,
    sessionId: session.id,
    agentId: spareId,
    logger,
    onLockLost: (err) => {
      logger.error({ err }, 'spare mailbox lock lost; ending');
      settle(undefined);
    },
    handler: async (env) => {
      if (env.type === 'assign' && env.body.agent) {
        const agent = env.body.agent;
        const started = { attempt: env.body.attempt, subtask: env.body.subtask.id };
        logger.info({ agent, subtask: started.subtask }, 'spare handed a subtask');
        // Workers stamp no epoch (as in runWorker): the message is the agent's own.
        const sender = new MailboxSender({ sessionDir, sessionId: session.id, from: agent, fsync: session.options.fsyncAll || undefined });
        await sender.send(COORDINATOR_ID, 'started', { pid: process.pid, ...started });
        settle({ agent, started });
      } else if (env.type === 'shutdown') {
        logger.info({ reason: env.body.reason }, 'spare shut down unused');
        settle(undefined);
      } else {
        logger.warn({ type: env.type, from: env.from }, 'ignoring a message a spare does not handle');
      }
    },
  });
  await reader.start();
  // Loaded while idle (an ES module is evaluated once: runWorker's own import finds it done).
  const preload = import('./after-assign.js').catch((err: unknown) => logger.warn({ err }, 'spare could not preload the worker code'));
  // The coordinator's pid as session.json had it when this spare started.
  const coordinator = session.coordinatorPid;
  const timer = setInterval(() => {
    if (!isPidAlive(coordinator)) {
      logger.warn({ coordinator }, 'spare ends unused: its coordinator is gone');
      settle(undefined);
    }
  }, SPARE_PARENT_CHECK_MS);
  timer.unref();
  const handed = await outcome;
  clearInterval(timer);
  heartbeat.stop();
  if (!handed) {
    await reader.stop();
    return undefined;
  }
  // The agent's own reader starts next; this one lets go of the spare's mailbox meanwhile.
  void reader.stop().catch((err: unknown) => logger.warn({ err }, 'spare: stopping its own reader failed'));
  await preload;
  return handed;
}
