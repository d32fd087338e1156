/** The options, seams and counters of a MailboxReader (reader.ts). */
import type { Logger } from '../log.js';
import type { ReaderLockSeams } from './reader-lock.js';
import type { HandlerRetryOptions } from './retry.js';
import type { Envelope } from '../contracts/envelope.js';

export type { HandlerRetryOptions } from './retry.js';

export interface ReceivedFile {
  /** File name in new/. */
  name: string;
  /** Full path in new/ while the handler runs. */
  path: string;
}

export interface MailboxReaderOptions {
  sessionDir: string;
  sessionId: string;
  agentId: string;
  /**
   * Must record durably what the message caused; after it resolves, the file is acked into
   * cur/. A throw is retried on a later pass (see handlerRetry); throw BadMessageError to
   * say the message itself is bad and send it to dead/ at once.
   */
  handler: (env: Envelope, file: ReceivedFile) => Promise<void>;
  logger?: Logger;
  /** Period of the safety-net rescan. Default 1000 ms. */
  rescanIntervalMs?: number;
  /** Larger files go to dead/. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Envelopes carrying an epoch below this go to dead/. Envelopes without an epoch are not fenced. */
  minEpoch?: () => number;
  /**
   * A reader lock not refreshed for this long is stale even if its pid is alive (a reused
   * pid); a dead owner's lock is stale at once. The owner refreshes it every half of this.
   * Default 10000 ms.
   */
  lockStaleMs?: number;
  /** Take the reader lock even from a live-looking owner: only when the caller knows the old owner is dead or fenced off. */
  takeOverLock?: boolean;
  /** Watch new/ (a bare fs.watch, see watch-new.ts) to wake at once. Default true; false = timer only. */
  watch?: boolean;
  /**
   * Close the watcher while new/ holds more than this many files, draining with
   * back-to-back passes instead, and re-open it once a pass lists at most half of it.
   * While a backlog drains, every file renamed in or out is a watch event that can only
   * ask for another pass; unwatched, the drain pays for none of them. (The chokidar
   * watcher used before cost O(n) per event here: it re-read and lstat-ed the whole folder
   * and held a watch per file.) The watcher only matters for waking an idle reader.
   * Default 16.
   */
  watchPauseAbove?: number;
  /** Retries of a failing handler. Default: 5 attempts, backoff from 500 ms doubling to 30 s. */
  handlerRetry?: HandlerRetryOptions;
  /**
   * Called once if the reader lock is lost (taken over, or its file removed); the reader
   * has stopped by then. The process's role ends with it: callers stop or exit.
   */
  onLockLost?: (err: Error) => void;
  /** Test seams only: hooks that let a test inject an interleaving deterministically. Never set in production. */
  seams?: ReaderSeams;
}

/** Points where a test can pause or alter the reader, to drive a race deterministically. */
export interface ReaderSeams extends ReaderLockSeams {
  /** Replaces the listing of new/ (e.g. to return an inconsistent snapshot). */
  listNew?: (dir: string) => Promise<string[]>;
}

/** Counters, for tests, benchmarks and debugging. */
export interface MailboxReaderStats {
  /** Passes of the pump (each starts with one listing of new/). */
  passes: number;
  /** Second listings, taken when a pass met a file that may have arrived during its first. */
  relists: number;
  /** Handler ran and the file was acked. */
  handled: number;
  /** Already-handled id: acked without calling the handler. */
  deduped: number;
  /** Handler failures left in new/ for a later attempt. */
  retried: number;
  /** Moved to dead/ (bad file, stale epoch, or handler failure). */
  dead: number;
  /** Times the watcher was closed to drain a large backlog (see watchPauseAbove). */
  watchPauses: number;
}
