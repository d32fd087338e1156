/**
 * The one reader of a mailbox. A listing of new/ is the truth; watch events and a timer
 * only wake the single serialized pump, which handles files in name order, acks them into
 * cur/, and moves anything it cannot trust into dead/ with a reason.
 *
 * Per-sender order holds across passes:
 * - A listing is not a snapshot (see arrival-order.ts): a file that may have arrived
 *   while the listing ran is only handled after a second listing, which has every
 *   predecessor of every file the first one saw.
 * - A message whose handler failed waits for a retry, and so do its sender's later messages.
 *
 * The file calls of a pass are synchronous (read-message.ts says why); a long pass yields
 * to the event loop every YIELD_EVERY_MS, so the process's other work is never held up
 * for long.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MailboxError, MailboxLockLostError, UnknownRecipientError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { checkFolders, handledIdsIn } from './folders.js';
import { FileHandler, type FileOutcome } from './handle-file.js';
import { ArrivalOrder } from './arrival-order.js';
import { DEFAULT_MAX_MESSAGE_BYTES, mailboxDir, parseMessageFileName } from './maildir.js';
import { TRANSIENT_CODES } from './read-message.js';
import { ReaderLock } from './reader-lock.js';
import type { MailboxReaderOptions, MailboxReaderStats } from './reader-options.js';
import { RetryBook } from './retry.js';
import { cleanTmp } from './tmp-clean.js';
import { watchNew, type NewDirWatch } from './watch-new.js';

export type { HandlerRetryOptions, MailboxReaderOptions, MailboxReaderStats, ReaderSeams, ReceivedFile } from './reader-options.js';

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** A pass that has run this long without waiting yields to the event loop before its next file. */
const YIELD_EVERY_MS = 5;

/** How often a reader whose watcher failed tries to open a new one. */
const WATCH_RETRY_MS = 10_000;

export class MailboxReader {
  private readonly box: string;
  private readonly newDir: string;
  private readonly curDir: string;
  private readonly deadDir: string;
  private readonly tmpDir: string;
  private readonly logger: Logger;
  private readonly maxBytes: number;
  private readonly pauseAbove: number;
  private readonly handled = new Set<string>();
  private readonly retries: RetryBook;
  private readonly counters: MailboxReaderStats = { passes: 0, relists: 0, handled: 0, deduped: 0, retried: 0, dead: 0, watchPauses: 0 };

  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private lock: ReaderLock | undefined;
  private lockLost = false;
  private watcher: NewDirWatch | undefined;
  private readonly order = new ArrivalOrder();
  private readonly files: FileHandler;
  /** True while the watcher is closed because of a large backlog. */
  private watchPaused = false;
  /** When a failed watcher may next be re-opened. */
  private watchRetryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Wakes the pump when the earliest retry is due. */
  private retryTimer: NodeJS.Timeout | undefined;
  private pumping: Promise<number> | undefined;
  private pumpAgain = false;

  constructor(private readonly opts: MailboxReaderOptions) {
    this.box = mailboxDir(opts.sessionDir, opts.agentId);
    this.newDir = path.join(this.box, 'new');
    this.curDir = path.join(this.box, 'cur');
    this.deadDir = path.join(this.box, 'dead');
    this.tmpDir = path.join(this.box, 'tmp');
    this.logger = (opts.logger ?? silentLogger()).child({ mailbox: opts.agentId });
    this.maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.pauseAbove = Math.max(1, opts.watchPauseAbove ?? 16);
    this.retries = new RetryBook(opts.handlerRetry);
    const { newDir, curDir, deadDir, maxBytes, handled, retries, counters, logger } = this;
    this.files = new FileHandler({ newDir, curDir, deadDir, maxBytes, reader: opts, handled, retries, counters, logger });
  }

  /** Ids handled (acked) by this mailbox: rebuilt from cur/ at start, grown on every ack. */
  get handledIds(): ReadonlySet<string> {
    return this.handled;
  }

  /** A snapshot of the counters. */
  get stats(): MailboxReaderStats {
    return { ...this.counters };
  }

  /** The mailbox directory this reader owns. */
  get dir(): string {
    return this.box;
  }

  /**
   * Takes the reader lock, checks the folders, cleans tmp/, rebuilds the handled ids from
   * cur/, and starts the watcher and the rescan timer. Resolves once the watcher is ready;
   * the first pump has been triggered by then (not awaited).
   */
  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new MailboxError('E_MAILBOX_READER_STATE', `mailbox reader for ${this.opts.agentId} was already started`));
    this.state = 'starting';
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    try {
      // Synchronous where it is a few calls on small local folders (every worker's way to
      // `started`); only leftovers in tmp/, which a clean start has none of, are awaited.
      let isDir = false;
      try {
        isDir = fs.statSync(this.newDir).isDirectory();
      } catch {
        isDir = false;
      }
      if (!isDir) throw new UnknownRecipientError(this.opts.agentId, this.box);
      await this.takeLock();
      checkFolders([this.curDir, this.deadDir, this.tmpDir], this.logger);
      if (fs.readdirSync(this.tmpDir).length > 0) await cleanTmp(this.tmpDir, this.logger);
      for (const id of handledIdsIn(this.curDir)) this.handled.add(id);
      if (this.stopRequested()) return;

      const every = this.opts.rescanIntervalMs ?? 1000;
      // wake() ignores the timer and events until the state is 'running'.
      this.timer = setInterval(() => this.wake('timer'), every);
      this.lock?.keep(Math.max(50, (this.opts.lockStaleMs ?? 10_000) / 2), (why) => this.onLockLost(why), this.logger);
      if (this.opts.watch !== false) {
        // A big backlog is drained unwatched first (see watchPauseAbove).
        if (fs.readdirSync(this.newDir).length > this.pauseAbove) {
          this.watchPaused = true;
          this.counters.watchPauses++;
        } else this.openWatcher();
      }
      if (this.stopRequested()) return;
      this.state = 'running';
      // Anything that arrived before the watch was in place (or between 'ready' and now) is
      // picked up by this first pass: the listing, not the events, is the truth.
      this.wake('ready');
    } catch (err) {
      await this.teardown();
      this.state = 'stopped';
      throw err;
    }
  }

  /** Stops watching, waits for an in-flight pump, and releases the lock (if still ours). Idempotent. */
  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const wasStarting = this.state === 'starting';
    if (this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    if (wasStarting) await this.starting?.catch(() => undefined);
    await this.teardown();
    this.state = 'stopped';
  }

  private stopRequested(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  private async teardown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = undefined;
    // The pump may re-open the watcher; wait for it first, then close whatever is open.
    await this.pumping?.catch(() => undefined);
    this.closeWatcher();
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release().catch((err: unknown) => this.logger.warn({ err }, 'mailbox: releasing the reader lock failed'));
  }

  private openWatcher(): void {
    this.watcher = watchNew(this.newDir, (name) => this.onWatchEvent(name), this.logger, () => (this.watcher = undefined));
  }

  private closeWatcher(): void {
    const watcher = this.watcher;
    this.watcher = undefined;
    watcher?.close();
  }

  /**
   * A watch event: its name is a hint for the next listing (arrival-order.ts), and it wakes
   * the pump, except for this reader's own acks out of new/ (the id is handled already),
   * which would only cost an empty pass each.
   */
  private onWatchEvent(name: string | undefined): void {
    if (name !== undefined) {
      const id = parseMessageFileName(name)?.id;
      if (id !== undefined && this.handled.has(id)) return;
      this.order.hint(name);
    }
    this.wake('watch');
  }

  /** Runs a pump from a wake-up source; errors are logged, never thrown into an event emitter. */
  private wake(source: string): void {
    if (this.state !== 'running') return;
    this.pump().catch((err: unknown) => this.logger.error({ err, source }, 'mailbox: pump failed'));
  }

  /** Wakes the pump at `at` (the earliest of all requests wins). */
  private wakeAt(at: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake('retry');
    }, Math.max(0, at - Date.now()));
  }

  /**
   * The single serialized pump: one listing of new/ per pass, files handled in name order.
   * A call while a pass runs schedules exactly one more pass and shares its promise, which
   * resolves with the number of messages handled (handler ran, file acked) by all passes.
   */
  pump(): Promise<number> {
    if (this.state === 'new') return Promise.reject(new MailboxError('E_MAILBOX_READER_STATE', 'mailbox reader is not started'));
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    if (this.state !== 'running') return Promise.resolve(0);
    const run = async (): Promise<number> => {
      let total = 0;
      try {
        do {
          this.pumpAgain = false;
          total += await this.pass();
        } while (this.pumpAgain && this.state === 'running');
      } finally {
        this.pumping = undefined;
      }
      return total;
    };
    this.pumping = run();
    return this.pumping;
  }

  /** One listing of new/ (synchronous: a folder of small local entries), timed: the settled rule needs when it began. */
  private async list(): Promise<{ names: string[]; startedAt: number } | undefined> {
    const startedAt = Date.now();
    try {
      const seam = this.opts.seams?.listNew;
      const names = seam ? await seam(this.newDir) : fs.readdirSync(this.newDir);
      // Plain text sort: the fixed-width name puts each sender's messages in send order.
      return { names: names.sort(), startedAt };
    } catch (err) {
      this.logger.error({ err }, 'mailbox: cannot list new/');
      return undefined;
    }
  }

  private async pass(): Promise<number> {
    this.counters.passes++;
    // A pass may not need to wait at all: yield once first, so this.pumping is set (and
    // calls made meanwhile share it, asking for one more pass) before any of it runs.
    await null;
    // One listing of the mailbox dir per pass proves the lock is still ours before anything is handled.
    if (!this.lockStillOurs()) return 0;
    const ctx = this.order.begin(Date.now());
    const first = await this.list();
    if (!first) return 0;
    const watching = this.opts.watch !== false;
    if (watching && !this.watchPaused && first.names.length > this.pauseAbove) {
      this.watchPaused = true;
      this.counters.watchPauses++;
      this.logger.debug({ backlog: first.names.length }, 'mailbox: large backlog; watcher paused while draining');
      this.closeWatcher();
    }
    let queue = first.names;
    let last = first.names;
    const inNew = new Set(queue);
    const done = new Set<string>();
    let relisted = false;
    let handled = 0;
    /** Files dealt with (handled, deduped, dead, or gone); the rest wait in new/. */
    let progressed = 0;
    // Date.now(), not performance.now(): the first touch of `performance` loads perf_hooks
    // (ten built-in modules, compiled without the code cache in a worker: util/ids.ts).
    let sliceStart = Date.now();
    for (let i = 0; i < queue.length; i++) {
      if (Date.now() - sliceStart > YIELD_EVERY_MS) {
        await nextTurn();
        sliceStart = Date.now();
      }
      if (this.state !== 'running') break;
      const name = queue[i]!;
      let outcome: FileOutcome;
      try {
        outcome = await this.files.handle(name, ctx);
      } catch (err) {
        done.add(name);
        if (TRANSIENT_CODES.has((err as NodeJS.ErrnoException).code ?? '')) {
          // Out of descriptors or similar: the rest of the pass would fail the same way.
          this.logger.error({ err, file: name }, 'mailbox: transient error; retrying on a later pass');
          break;
        }
        this.logger.error({ err, file: name }, 'mailbox: could not process file; it stays in new/');
        continue;
      }
      if (outcome === 'later') {
        if (relisted) {
          // It arrived during the second listing too: the next pass settles it.
          this.pumpAgain = true;
          break;
        }
        // A second listing, begun after the first ended, holds every earlier file of every
        // sender the first one saw: from here on those are settled, in a fresh name order.
        relisted = true;
        this.counters.relists++;
        const second = await this.list();
        if (!second) break;
        this.order.relisted(ctx, first.names, second.startedAt);
        for (const n of second.names) inNew.add(n);
        last = second.names;
        queue = second.names.filter((n) => !done.has(n));
        i = -1;
        continue;
      }
      done.add(name);
      if (outcome === 'handled') handled++;
      if (outcome === 'handled' || outcome === 'progress') progressed++;
    }
    this.order.listed(last);
    this.retries.keepOnly(inNew);
    const due = this.retries.nextDue();
    if (due !== undefined && this.state === 'running') this.wakeAt(due);
    if (watching && this.state === 'running') {
      if (this.watchPaused) {
        if (first.names.length > this.pauseAbove / 2) {
          // No events while unwatched: keep draining with back-to-back passes, but only while
          // they get somewhere; files that keep failing are left to the timers.
          if (progressed > 0) this.pumpAgain = true;
        } else {
          this.openWatcher();
          this.watchPaused = false;
          this.logger.debug('mailbox: backlog drained; watcher resumed');
          // Files that arrived while unwatched are found by one more listing.
          this.pumpAgain = true;
        }
      } else if (!this.watcher && Date.now() >= this.watchRetryAt) {
        // The watcher failed (or could not be had): try again now and then; the timer covers the gap.
        this.watchRetryAt = Date.now() + WATCH_RETRY_MS;
        this.openWatcher();
        if (this.watcher) this.pumpAgain = true;
      }
    }
    return handled;
  }

  private async takeLock(): Promise<void> {
    const { lock, tookOver } = await ReaderLock.acquire({
      box: this.box,
      agent: this.opts.agentId,
      staleMs: this.opts.lockStaleMs ?? 10_000,
      takeOver: this.opts.takeOverLock ?? false,
      seams: this.opts.seams,
    });
    this.lock = lock;
    if (tookOver !== undefined) this.logger.warn({ generation: lock.gen, previous: tookOver }, 'mailbox: took over the reader lock');
  }

  /** False (and the reader stopping) once the lock is no longer this reader's. */
  private lockStillOurs(): boolean {
    const lock = this.lock;
    if (!lock || this.lockLost) return false;
    const why = lock.lostBecauseSync();
    if (why === undefined) return true;
    this.onLockLost(why);
    return false;
  }

  private onLockLost(why: string): void {
    if (this.lockLost || this.stopRequested()) return;
    this.lockLost = true;
    const err = new MailboxLockLostError(this.box, why);
    this.logger.error({ err }, 'mailbox: reader lock lost; this reader stops');
    void this.stop();
    try {
      this.opts.onLockLost?.(err);
    } catch (cbErr) {
      this.logger.error({ err: cbErr }, 'mailbox: onLockLost callback threw');
    }
  }
}
