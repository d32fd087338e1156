/**
 * The transport under the mailbox API (DESIGN.md, "Transports"). A transport carries
 * envelopes between the agents of one session: send, the one reader per mailbox (wake-up,
 * ordered handling, ack after the handler, dedupe by id, dead-letter with a reason) and
 * read-only inspection. `fs` (Maildir) is the default and embedded one; `redis` carries the
 * same protocol on Redis Streams. The guarantees do not change with the transport:
 * at-least-once delivery, handlers idempotent by message id, per-sender order, one reader
 * per mailbox.
 */
import type { Logger } from '../log.js';
import type { MaildirFolder } from './maildir.js';
import type { StoredMessage } from './inspect.js';
import type { BodyOf, Envelope, EnvelopeOf, MessageType } from '../contracts/envelope.js';
import type { SendOptions } from './send.js';
import type { HandlerRetryOptions } from './retry.js';

export type TransportKind = 'fs' | 'redis';

/** Where a delivered message sits while its handler runs. */
export interface DeliveredMessage {
  /** fs: the file name in new/; redis: the stream entry id. */
  name: string;
  /** fs only: the full path in new/. */
  path?: string;
}

/** What a reader counts; the same fields for every transport. */
export interface TransportReaderStats {
  /** Reads of the mailbox (fs: listings of new/; redis: XREADGROUP/XAUTOCLAIM calls). */
  passes: number;
  /** Handler ran and the message was acked. */
  handled: number;
  /** Already-handled id: acked without calling the handler. */
  deduped: number;
  /** Handler failures kept for a later attempt (see TransportReaderOptions.handlerRetry). */
  retried: number;
  /** Dead-lettered (bad message, stale epoch, or handler failure). */
  dead: number;
}

export interface TransportReaderOptions {
  agentId: string;
  /**
   * Must record durably what the message caused; after it resolves, the message is acked.
   * A throw is retried on a later pass with backoff (handlerRetry), and the sender's later
   * messages wait behind it; a BadMessageError dead-letters the message at once.
   */
  handler: (env: Envelope, msg: DeliveredMessage) => Promise<void>;
  /** Retries of a failing handler. Default: 5 attempts, backoff from 500 ms doubling to 30 s. */
  handlerRetry?: HandlerRetryOptions;
  logger?: Logger;
  /** Envelopes carrying an epoch below this are dead-lettered. */
  minEpoch?: () => number;
  /** Take the reader lock even if held; only when the old owner is known to be dead. */
  takeOverLock?: boolean;
  /** Called once if the reader lock is lost; the reader has stopped. */
  onLockLost?: (err: Error) => void;
  /** Larger messages are dead-lettered. Default 1 MiB. */
  maxMessageBytes?: number;
  /** fs: period of the rescan; redis: the XREADGROUP BLOCK timeout. Default 1000 ms. */
  rescanIntervalMs?: number;
}

/** The one reader of a mailbox. */
export interface TransportReader {
  /** Takes the reader lock and starts delivering; rejects with MailboxLockedError if held. */
  start(): Promise<void>;
  /** Stops delivering, waits for an in-flight handler, releases the lock. Idempotent. */
  stop(): Promise<void>;
  /** Runs one delivery pass now; resolves with the number of messages handled. */
  pump(): Promise<number>;
  /** Ids handled (acked) by this mailbox, rebuilt at start. */
  readonly handledIds: ReadonlySet<string>;
  readonly stats: TransportReaderStats;
}

export interface TransportSenderOptions {
  /** The sending agent's id. */
  from: string;
  /** The coordinator epoch stamped into each envelope. */
  epoch?: number | (() => number);
  /** fs: whether to fsync before the rename; redis: ignored (durability is the server's AOF/RDB policy). */
  fsync?: boolean | ((type: MessageType) => boolean);
  maxMessageBytes?: number;
}

/** Sends envelopes as one agent; any number of senders may write to one mailbox. */
export interface TransportSender {
  readonly from: string;
  /** Refuses an unknown recipient (UnknownRecipientError); never creates a mailbox. */
  send<T extends MessageType>(to: string, type: T, body: BodyOf<T>, opts?: SendOptions): Promise<EnvelopeOf<T>>;
}

/** One session's mailboxes on one transport. */
export interface MailboxTransport {
  readonly kind: TransportKind;
  readonly sessionId: string;
  /** Creates an agent's mailbox; idempotent. */
  createMailbox(agentId: string): Promise<void>;
  /** True when the agent has a mailbox. */
  hasMailbox(agentId: string): Promise<boolean>;
  sender(opts: TransportSenderOptions): TransportSender;
  reader(opts: TransportReaderOptions): TransportReader;
  /**
   * Read-only view, folder by folder (default new, cur, dead), in delivery order within a
   * folder. redis maps: new = not yet acked, cur = acked and not yet trimmed, dead = the
   * dead-letter stream. Throws UnknownRecipientError without a mailbox.
   */
  list(agentId: string, folders?: MaildirFolder[]): Promise<StoredMessage[]>;
  /** Messages per folder. Throws UnknownRecipientError without a mailbox. */
  count(agentId: string): Promise<Record<MaildirFolder, number>>;
  /** Releases connections; readers must be stopped first. */
  close(): Promise<void>;
}
