/**
 * A worker attempt's first half, up to `started`: its records, heartbeat and transport, its
 * mailbox reader (which routes each message: its assign, the coordinator's messages, a
 * person's replies, shutdown), the wait for its own assign, and `started`. run.ts runs the
 * rest. Apart because V8 compiles a function's whole body on its first call: this is the
 * part a cold start and a warm spare's hand-over wait for, and the rest of the attempt is
 * compiled once `started` is out.
 */
import { Heartbeat } from '../agent/heartbeat.js';
import { crashBeforeAssignRead, workerFault } from '../faults.js';
import { MailroomError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Envelope, EnvelopeOf } from '../mailbox/index.js';
import { openSessionTransport } from '../mailbox/open.js';
import type { MailboxTransport, TransportReader, TransportSender } from '../mailbox/transport.js';
import { COORDINATOR_ID, agentPaths, type AgentPaths } from '../session/layout.js';
import type { AgentRecord, SessionRecord } from '../contracts/records.js';
import { SessionWatch, readAgentRecord, readSessionRecord } from '../session/store.js';
import type { PeopleWaits } from './people.js';

export interface WorkerRunOptions {
  sessionDir: string;
  agentId: string;
  logger: Logger;
  /** How long to wait for an `assign` before giving up. */
  assignTimeoutMs?: number;
}

/** Exit code of a worker whose mailbox was taken over by another reader. */
export const LOCK_LOST_EXIT_CODE = 4;

/** Where the reader puts what is not the assign: the state run.ts's half of the attempt reads. */
export class AttemptMail {
  /** The coordinator's messages not yet taken by the agent loop. */
  readonly inbox: string[] = [];
  /** `ask_coordinator` calls waiting for their answer, by question id. */
  readonly replies = new Map<string, (text: string) => void>();
  /** Wakes a persistent worker waiting for its next message. */
  wakeIdle: (() => void) | undefined;
  private people: PeopleWaits | undefined;
  // A person's reply that comes before the attempt waits for people is kept for it: on a
  // worker host the reply file is on the coordinator's machine, so the message, acked by
  // this reader, is the only copy this attempt will see.
  private readonly early: Envelope[] = [];

  /** From now on a person's reply goes to `waits`, the early ones first. */
  deliverRepliesTo(waits: PeopleWaits): void {
    this.people = waits;
    for (const env of this.early.splice(0)) waits.deliver(env);
  }

  personReply(env: Envelope): void {
    if (this.people) this.people.deliver(env);
    else this.early.push(env);
  }
}

/** An attempt whose assign was read and whose `started` is sent. */
export interface OpenAttempt {
  session: SessionRecord;
  agent: AgentRecord;
  paths: AgentPaths;
  heartbeat: Heartbeat;
  transport: MailboxTransport;
  sender: TransportSender;
  watch: SessionWatch;
  abort: AbortController;
  mail: AttemptMail;
  reader: TransportReader;
  assign: EnvelopeOf<'assign'>;
  /** The worker's logger with the subtask and attempt bound. */
  log: Logger;
}

/**
 * Opens the attempt: reads its records, starts its heartbeat and its mailbox reader, waits
 * for its own assign and sends `started`. Undefined, with everything stopped, when no
 * assign came in time or a shutdown came first.
 */
export async function openAttempt(opts: WorkerRunOptions): Promise<OpenAttempt | undefined> {
  const { sessionDir, agentId, logger } = opts;
  const session = await readSessionRecord(sessionDir);
  const agent = await readAgentRecord(sessionDir, agentId);
  const paths = agentPaths(sessionDir, agentId);
  const heartbeat = new Heartbeat(paths.heartbeat, session.options.heartbeatIntervalMs);
  heartbeat.start();

  // Maildir here, or Redis streams when a worker host runs this session copy.
  const transport = await openSessionTransport(sessionDir, session);
  // Workers do not stamp an epoch: their results stay valid across a coordinator takeover.
  const sender = transport.sender({ from: agentId, fsync: session.options.fsyncAll || undefined });
  const watch = new SessionWatch(sessionDir, session);
  const abort = new AbortController();
  const mail = new AttemptMail();
  let resolveAssign!: (env: EnvelopeOf<'assign'>) => void;
  const assigned = new Promise<EnvelopeOf<'assign'>>((r) => (resolveAssign = r));

  const reader = transport.reader({
    agentId,
    logger,
    // A respawned attempt owns the mailbox of a predecessor the coordinator saw die.
    takeOverLock: agent.attempt > 1,
    // Orders from a coordinator that lost the session lock are refused (epoch fencing).
    minEpoch: () => watch.epoch(),
    // Another reader (a newer attempt) took this mailbox: this attempt's role is over.
    onLockLost: (err) => {
      logger.error({ err }, 'worker mailbox lock lost to another reader; exiting');
      process.stderr.write(`worker ${agentId}: ${err.message}; exiting\n`);
      process.exit(LOCK_LOST_EXIT_CODE);
    },
    handler: async (env) => {
      switch (env.type) {
        case 'assign':
          // Only this attempt's own assignment: one left unread by a lost earlier attempt
          // would make this one run, and report, as that attempt.
          if (env.body.attempt !== agent.attempt) {
            logger.warn({ for: env.body.attempt, mine: agent.attempt, id: env.id }, 'ignoring an assignment for another attempt');
            break;
          }
          resolveAssign(env);
          break;
        case 'message': {
          logger.info({ from: env.from, id: env.id }, 'message from coordinator');
          // The answer to an ask_coordinator question goes to the waiting tool call.
          const waiting = env.replyTo ? mail.replies.get(env.replyTo) : undefined;
          if (waiting) waiting(env.body.text);
          else mail.inbox.push(env.body.text);
          mail.wakeIdle?.();
          break;
        }
        case 'approval':
        case 'denial':
        case 'answer':
          logger.info({ type: env.type, replyTo: env.replyTo, id: env.id }, 'a reply from a person');
          mail.personReply(env);
          break;
        case 'shutdown':
          if (env.body.attempt !== undefined && env.body.attempt !== agent.attempt) {
            logger.info({ for: env.body.attempt }, "ignoring a shutdown meant for an earlier attempt");
            break;
          }
          if (workerFault('ignore-shutdown')) {
            logger.warn({ reason: env.body.reason }, 'shutdown ignored (fault injection)');
            break;
          }
          logger.warn({ reason: env.body.reason }, 'shutdown requested');
          abort.abort(new MailroomError('E_SHUTDOWN', `shut down by the coordinator: ${env.body.reason}`));
          mail.wakeIdle?.();
          break;
        default:
          logger.warn({ type: env.type, from: env.from }, 'ignoring a message type workers do not handle');
      }
    },
  });
  crashBeforeAssignRead(agent.attempt, session.coordinatorPid);
  await reader.start();

  const assignTimeout = opts.assignTimeoutMs ?? 60_000;
  const assign = await Promise.race([
    assigned,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), assignTimeout).unref()),
    new Promise<undefined>((r) => abort.signal.addEventListener('abort', () => r(undefined))),
  ]);
  if (!assign) {
    logger.error({ assignTimeout }, 'no assignment arrived; exiting');
    await reader.stop();
    heartbeat.stop();
    await transport.close();
    return undefined;
  }

  const { subtask, attempt } = assign.body;
  const log = logger.child({ subtask: subtask.id, attempt });
  await sender.send(COORDINATOR_ID, 'started', { pid: process.pid, attempt, subtask: subtask.id });
  return { session, agent, paths, heartbeat, transport, sender, watch, abort, mail, reader, assign, log };
}
