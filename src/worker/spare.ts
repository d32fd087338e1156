/**
 * A warm spare (`worker --spare`): a worker process started before its subtask exists
 * (coordinator/spares.ts). It heartbeats and reads its own mailbox (agents/spare-NN/), and
 * meanwhile loads the code every worker needs after its assignment (after-assign.ts) and
 * rehearses its hand-over's code once (rehearse.ts), so that nothing but the assignment
 * itself is left to wait for; handed one sooner, it goes on at once. When an assign naming an
 * `agent` arrives, it stops reading its own mailbox and becomes that agent: the caller runs
 * the ordinary worker as it (runWorker), which reads that agent's own assign, sends
 * `started` and loads the role's tools. It has no history of its own to carry over.
 *
 * It never outlives its session: it leaves on `shutdown`, and on its own once the
 * coordinator that started it is gone (a SIGKILLed coordinator included); a resumed
 * coordinator does not inherit idle spares.
 */
import type { Logger } from '../log.js';
import { FsTransport } from '../mailbox/fs-transport.js';
import { Heartbeat } from '../agent/heartbeat.js';
import { agentPaths } from '../session/layout.js';
import { readSessionRecord } from '../session/store.js';
import { isPidAlive } from '../util/fs.js';
import { rehearseHandOver } from './rehearse.js';

/** How often an idle spare checks that its coordinator still lives. */
export const SPARE_PARENT_CHECK_MS = 250;

export interface SpareOptions {
  sessionDir: string;
  /** The spare's own id (spare-NN). */
  spareId: string;
  logger: Logger;
}

/** What a spare was handed: the agent it becomes. */
export interface Handed {
  agent: string;
}

/**
 * Waits as a spare; resolves with what it was handed, or undefined when it ends unused.
 * It sends nothing itself: as the agent, runWorker reads the agent's own assign (checking
 * its attempt and epoch like any worker) and only then sends `started`.
 */
export async function runSpare(opts: SpareOptions): Promise<Handed | undefined> {
  const { sessionDir, spareId, logger } = opts;
  const session = await readSessionRecord(sessionDir);
  const heartbeat = new Heartbeat(agentPaths(sessionDir, spareId).heartbeat, session.options.heartbeatIntervalMs);
  heartbeat.start();
  let settle!: (handed: Handed | undefined) => void;
  let settled = false;
  const outcome = new Promise<Handed | undefined>((r) => (settle = (h) => ((settled = true), r(h))));
  // Spares are local processes (a worker host starts its own workers): their mailboxes are Maildirs.
  const reader = new FsTransport(sessionDir, session.id).reader({
    agentId: spareId,
    logger,
    onLockLost: (err) => {
      logger.error({ err }, 'spare mailbox lock lost; ending');
      settle(undefined);
    },
    handler: async (env) => {
      if (env.type === 'assign' && env.body.agent) {
        logger.info({ agent: env.body.agent, subtask: env.body.subtask.id }, 'spare handed a subtask');
        settle({ agent: env.body.agent });
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
  // Then the hand-over's own code runs once on made-up data, so its first real run is not its first run.
  // A spare handed its subtask before this is done does not wait for it (runWorker's own
  // import of after-assign.js, after `started`, waits for the preload) and skips the rest.
  // The idle spare's one line is also the first run of pino's write path, which costs
  // about 0.8 ms; written here, the hand-over's own line does not pay for it.
  void preload
    .then(() => (settled ? undefined : rehearseHandOver(sessionDir, spareId, session)))
    .then(() => (settled ? undefined : logger.info('spare ready: worker code loaded, hand-over rehearsed')));
  // The coordinator's pid as session.json had it when this spare started.
  const coordinator = session.coordinatorPid;
  const timer = setInterval(() => {
    if (isPidAlive(coordinator)) return;
    // An order its coordinator sent just before dying is still an order: handled first, it
    // makes this spare the agent (resume reattaches it, as it would a fresh process).
    void reader.pump().catch(() => 0).then(() => {
      if (settled) return;
      logger.warn({ coordinator }, 'spare ends unused: its coordinator is gone');
      settle(undefined);
    });
  }, SPARE_PARENT_CHECK_MS);
  timer.unref();
  const handed = await outcome;
  clearInterval(timer);
  heartbeat.stop();
  if (!handed) {
    await reader.stop();
    return undefined;
  }
  // The agent's own reader starts next; this one lets go of the spare's mailbox meanwhile,
  // once the event loop comes round: its synchronous lock release is not the hand-over's to wait for.
  setImmediate(() => void reader.stop().catch((err: unknown) => logger.warn({ err }, 'spare: stopping its own reader failed')));
  return handed;
}
