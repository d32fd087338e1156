/**
 * The one reader of a mailbox. A listing of new/ is the truth; watch events and a timer
 * only wake the single serialized pump, which handles files in name order, acks them into
 * cur/, and moves anything it cannot trust into dead/ with a reason.
 */
import { constants as fsConstants } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import lockfile from 'proper-lockfile';
import { nanoid } from 'nanoid';
import { MailboxError, MailboxLockedError, UnknownRecipientError, describeError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { writeJsonAtomic } from '../util/fs.js';
import {
  DEAD_REASON_SUFFIX,
  DEFAULT_MAX_MESSAGE_BYTES,
  READER_LOCK_NAME,
  READER_OWNER_NAME,
  TMP_MAX_AGE_MS,
  mailboxDir,
  parseMessageFileName,
} from './maildir.js';
import { EnvelopeSchema, type Envelope } from './schema.js';

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
  /** Must record durably what the message caused; after it resolves, the file is acked into cur/. */
  handler: (env: Envelope, file: ReceivedFile) => Promise<void>;
  logger?: Logger;
  /** Period of the safety-net rescan. Default 1000 ms. */
  rescanIntervalMs?: number;
  /** Larger files go to dead/. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Envelopes carrying an epoch below this go to dead/. Envelopes without an epoch are not fenced. */
  minEpoch?: () => number;
  /** proper-lockfile's stale threshold for the reader lock. Default 10000 ms. */
  lockStaleMs?: number;
  /** Remove an existing reader lock first; only when the old owner is known to be dead. */
  takeOverLock?: boolean;
  /** Watch new/ with chokidar. Default true; false = timer only. */
  watch?: boolean;
  /**
   * Close the watcher while new/ holds more than this many files, draining with
   * back-to-back passes instead, and re-open it once a pass lists at most half of it.
   * chokidar re-reads and lstats the whole folder on every change, and puts a watch on
   * every file in it, so a watched backlog costs O(n) per arriving or departing file
   * (measured: draining 1000 watched files took ~30 s vs ~1 s unwatched on a 2-core box).
   * Pausing keeps draining linear; the watcher only matters for waking an idle reader.
   * Default 16.
   */
  watchPauseAbove?: number;
  /** Called once if the reader lock is lost (taken over, or its directory removed); the reader has stopped. */
  onLockLost?: (err: Error) => void;
  /** Test seams only: hooks that let a test inject an interleaving deterministically. Never set in production. */
  seams?: ReaderSeams;
}

/** Points where a test can pause or alter the reader, to drive a race deterministically. */
export interface ReaderSeams {
  /** Replaces the one listing of new/ per pass (e.g. to return an inconsistent snapshot). */
  listNew?: (dir: string) => Promise<string[]>;
  /** Runs after the lock state was inspected and before a takeover changes anything. */
  beforeLockTakeover?: () => Promise<void>;
  /** Runs right after this reader created its lock, before anything else. */
  afterLockCreate?: () => Promise<void>;
}

/** Counters, for tests, benchmarks and debugging. */
export interface MailboxReaderStats {
  /** Listings of new/ (one per pump pass). */
  passes: number;
  /** Handler ran and the file was acked. */
  handled: number;
  /** Already-handled id: acked without calling the handler. */
  deduped: number;
  /** Moved to dead/ (bad file, stale epoch, or handler failure). */
  dead: number;
  /** Times the watcher was closed to drain a large backlog (see watchPauseAbove). */
  watchPauses: number;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** What reading one file from new/ gave. */
type ReadOutcome = { kind: 'gone' } | { kind: 'bad'; reason: string } | { kind: 'ok'; text: string };

/** Errors that say nothing about the file itself: leave it in new/ and retry on a later pass. */
const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM', 'EIO', 'EBUSY']);

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
  private readonly token = nanoid(12);
  private readonly counters: MailboxReaderStats = { passes: 0, handled: 0, deduped: 0, dead: 0, watchPauses: 0 };

  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private releaseLock: (() => Promise<void>) | undefined;
  private lockLost = false;
  private watcher: FSWatcher | undefined;
  /** True while the watcher is closed because of a large backlog. */
  private watchPaused = false;
  private timer: NodeJS.Timeout | undefined;
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
   * Takes the reader lock, cleans tmp/, rebuilds the handled ids from cur/, and starts the
   * watcher and the rescan timer. Resolves once the watcher is ready; the first pump has
   * been triggered by then (not awaited).
   */
  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new MailboxError('E_MAILBOX_READER_STATE', `mailbox reader for ${this.opts.agentId} was already started`));
    this.state = 'starting';
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    try {
      const st = await fsp.stat(this.newDir).catch(() => undefined);
      if (!st?.isDirectory()) throw new UnknownRecipientError(this.opts.agentId, this.box);
      await this.takeLock();
      await this.cleanTmp();
      await this.rebuildHandled();
      if (this.stopRequested()) return;

      const every = this.opts.rescanIntervalMs ?? 1000;
      // wake() ignores the timer and events until the state is 'running'.
      this.timer = setInterval(() => this.wake('timer'), every);
      if (this.opts.watch !== false) {
        // A big backlog is drained unwatched first (see watchPauseAbove).
        if ((await fsp.readdir(this.newDir)).length > this.pauseAbove) {
          this.watchPaused = true;
          this.counters.watchPauses++;
        } else await this.openWatcher();
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

  /** Stops watching, waits for an in-flight pump, and releases the lock. Idempotent. */
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
    this.timer = undefined;
    // The pump may re-open the watcher; wait for it first, then close whatever is open.
    await this.pumping?.catch(() => undefined);
    await this.closeWatcher();
    await this.dropLock();
  }

  /** chokidar on new/ alone: depth 0, ignoreInitial, no awaitWriteFinish (the rename makes files whole). */
  private async openWatcher(): Promise<void> {
    const watcher = watch(this.newDir, { depth: 0, ignoreInitial: true, persistent: true });
    this.watcher = watcher;
    watcher.on('add', () => this.wake('add'));
    watcher.on('change', () => this.wake('change'));
    watcher.on('error', (err) => this.logger.warn({ err }, 'mailbox: watcher error; the rescan timer still runs'));
    await new Promise<void>((resolve) => {
      // The timer is the safety net, so a watcher that never gets ready must not block us.
      const t = setTimeout(() => {
        this.logger.warn('mailbox: watcher not ready after 10 s; relying on the rescan timer');
        resolve();
      }, 10_000);
      watcher.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private async closeWatcher(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close().catch((err: unknown) => this.logger.warn({ err }, 'mailbox: closing the watcher failed'));
  }

  /** Runs a pump from a wake-up source; errors are logged, never thrown into an event emitter. */
  private wake(source: string): void {
    if (this.state !== 'running') return;
    this.pump().catch((err: unknown) => this.logger.error({ err, source }, 'mailbox: pump failed'));
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

  private async pass(): Promise<number> {
    this.counters.passes++;
    let names: string[];
    try {
      names = await (this.opts.seams?.listNew ?? ((d: string) => fsp.readdir(d)))(this.newDir);
    } catch (err) {
      this.logger.error({ err }, 'mailbox: cannot list new/');
      return 0;
    }
    // Plain text sort: the fixed-width name puts each sender's messages in send order.
    names.sort();
    const watching = this.opts.watch !== false;
    if (watching && !this.watchPaused && names.length > this.pauseAbove) {
      this.watchPaused = true;
      this.counters.watchPauses++;
      this.logger.debug({ backlog: names.length }, 'mailbox: large backlog; watcher paused while draining');
      await this.closeWatcher();
    }
    let handled = 0;
    /** Files dealt with (handled, deduped, dead, or gone); the rest failed and stay in new/. */
    let progressed = 0;
    for (const name of names) {
      if (this.state !== 'running') break;
      try {
        if (await this.handleFile(name)) handled++;
        progressed++;
      } catch (err) {
        if (TRANSIENT_CODES.has((err as NodeJS.ErrnoException).code ?? '')) {
          // Out of descriptors or similar: the rest of the pass would fail the same way.
          this.logger.error({ err, file: name }, 'mailbox: transient error; retrying on a later pass');
          return handled;
        }
        this.logger.error({ err, file: name }, 'mailbox: could not process file; it stays in new/');
      }
    }
    if (watching && this.watchPaused && this.state === 'running') {
      if (names.length > this.pauseAbove / 2) {
        // No events while unwatched: keep draining with back-to-back passes, but only while
        // they get somewhere; files that keep failing are left to the rescan timer.
        if (progressed > 0) this.pumpAgain = true;
      } else {
        await this.openWatcher();
        this.watchPaused = false;
        this.logger.debug('mailbox: backlog drained; watcher resumed');
        // Files that arrived while unwatched are found by one more listing.
        this.pumpAgain = true;
      }
    }
    return handled;
  }

  /** Handles one file from new/. True when the handler ran and the file was acked. */
  private async handleFile(name: string): Promise<boolean> {
    const file = path.join(this.newDir, name);
    const read = await this.readMessage(file);
    if (read.kind === 'gone') {
      this.logger.debug({ file: name }, 'mailbox: file vanished before it was read; skipped');
      return false;
    }
    if (read.kind === 'bad') {
      await this.moveToDead(name, read.reason);
      return false;
    }

    let json: unknown;
    try {
      json = JSON.parse(read.text);
    } catch (err) {
      await this.moveToDead(name, `not valid JSON: ${describeError(err)}`);
      return false;
    }
    const parsed = EnvelopeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
      await this.moveToDead(name, `envelope fails its schema at ${where}: ${issue?.message ?? 'invalid'}`);
      return false;
    }
    const env = parsed.data;
    const { sessionId, agentId } = this.opts;
    if (env.session !== sessionId) {
      await this.moveToDead(name, `belongs to session ${env.session}, not ${sessionId}`);
      return false;
    }
    if (env.to !== agentId) {
      await this.moveToDead(name, `addressed to ${env.to}, not ${agentId}`);
      return false;
    }
    const minEpoch = this.opts.minEpoch?.();
    if (minEpoch !== undefined && env.epoch !== undefined && env.epoch < minEpoch) {
      await this.moveToDead(name, `stale epoch ${env.epoch} < current epoch ${minEpoch} (sent by an older coordinator)`);
      return false;
    }
    const named = parseMessageFileName(name);
    if (!named) {
      await this.moveToDead(name, 'file name does not match <13-digit sentAt>-<8-digit seq>-<id>.json');
      return false;
    }
    if (named.id !== env.id) {
      // cur/ names are where handled ids are rebuilt from, so they must agree.
      await this.moveToDead(name, `file name id ${named.id} does not match envelope id ${env.id}`);
      return false;
    }

    if (this.handled.has(env.id)) {
      this.logger.debug({ file: name, id: env.id }, 'mailbox: id already handled; acked without handling again');
      this.counters.deduped++;
      await this.ack(name);
      return false;
    }

    try {
      await this.opts.handler(env, { name, path: file });
    } catch (err) {
      this.logger.error({ err, file: name, id: env.id, type: env.type }, 'mailbox: handler failed; message moved to dead/');
      await this.moveToDead(name, `handler failed: ${describeError(err)}`);
      return false;
    }
    // Remember the id even if the ack rename fails, so a later pass dedupes instead of re-handling.
    this.handled.add(env.id);
    this.counters.handled++;
    await this.ack(name);
    return true;
  }

  /** Reads a file from new/ without following symlinks and without blocking on FIFOs. */
  private async readMessage(file: string): Promise<ReadOutcome> {
    let st;
    try {
      st = await fsp.lstat(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
      throw err;
    }
    if (st.isSymbolicLink()) {
      const target = await fsp.readlink(file).catch(() => '?');
      return { kind: 'bad', reason: `is a symlink (to ${target}); symlinks are never followed` };
    }
    if (!st.isFile()) return { kind: 'bad', reason: 'not a regular file' };
    if (st.size > this.maxBytes) return { kind: 'bad', reason: `too large: ${st.size} bytes > limit ${this.maxBytes}` };

    let fh: fsp.FileHandle;
    try {
      // O_NOFOLLOW closes the lstat→open race; O_NONBLOCK keeps a swapped-in FIFO from hanging us.
      fh = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { kind: 'gone' };
      if (code === 'ELOOP') return { kind: 'bad', reason: 'is a symlink; symlinks are never followed' };
      if (code && TRANSIENT_CODES.has(code)) throw err;
      return { kind: 'bad', reason: `cannot open: ${describeError(err)}` };
    }
    try {
      const st2 = await fh.stat();
      if (!st2.isFile()) return { kind: 'bad', reason: 'not a regular file' };
      if (st2.size > this.maxBytes) return { kind: 'bad', reason: `too large: ${st2.size} bytes > limit ${this.maxBytes}` };
      const buf = await fh.readFile();
      if (buf.length > this.maxBytes) return { kind: 'bad', reason: `too large: ${buf.length} bytes > limit ${this.maxBytes}` };
      return { kind: 'ok', text: buf.toString('utf8') };
    } finally {
      await fh.close();
    }
  }

  /** new/ → cur/. A file already gone was acked or removed by someone else: nothing to do. */
  private async ack(name: string): Promise<void> {
    try {
      await fsp.rename(path.join(this.newDir, name), path.join(this.curDir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.logger.warn({ file: name }, 'mailbox: file vanished before its ack');
        return;
      }
      throw err;
    }
  }

  /** new/ → dead/, with the reason written first so every dead file has one. */
  private async moveToDead(name: string, reason: string): Promise<void> {
    const line = reason.replace(/\s*[\r\n]+\s*/g, ' ').trim();
    const reasonFile = path.join(this.deadDir, name + DEAD_REASON_SUFFIX);
    await fsp.writeFile(reasonFile, line + '\n');
    try {
      await fsp.rename(path.join(this.newDir, name), path.join(this.deadDir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        await fsp.rm(reasonFile, { force: true });
        return;
      }
      throw err;
    }
    this.counters.dead++;
    this.logger.warn({ file: name, reason: line }, 'mailbox: message moved to dead/');
  }

  private async takeLock(): Promise<void> {
    const lockPath = path.join(this.box, READER_LOCK_NAME);
    if (this.opts.takeOverLock) {
      await this.opts.seams?.beforeLockTakeover?.();
      await fsp.rm(lockPath, { recursive: true, force: true });
      this.logger.warn({ lock: lockPath }, 'mailbox: took over the reader lock');
    }
    try {
      // A key unique to this reader keeps proper-lockfile's per-process bookkeeping of two
      // readers (e.g. an old one and its in-process takeover) apart; the lock itself is
      // the one shared directory `lockfilePath`.
      this.releaseLock = await lockfile.lock(path.join(this.box, `reader#${this.token}`), {
        stale: this.opts.lockStaleMs ?? 10_000,
        realpath: false,
        lockfilePath: lockPath,
        onCompromised: (err) => this.onLockCompromised(err),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new MailboxLockedError(this.box, { cause: err });
      throw err;
    }
    await this.opts.seams?.afterLockCreate?.();
    await writeJsonAtomic(path.join(this.box, READER_OWNER_NAME), {
      pid: process.pid,
      agent: this.opts.agentId,
      token: this.token,
      since: new Date().toISOString(),
    });
  }

  private onLockCompromised(err: Error): void {
    this.releaseLock = undefined;
    if (this.lockLost || this.stopRequested()) return;
    this.lockLost = true;
    this.logger.error({ err }, 'mailbox: reader lock lost (taken over?); this reader stops');
    void this.stop();
    try {
      this.opts.onLockLost?.(err);
    } catch (cbErr) {
      this.logger.error({ err: cbErr }, 'mailbox: onLockLost callback threw');
    }
  }

  /** Releases the lock only if this reader still owns it: never remove a new owner's lock. */
  private async dropLock(): Promise<void> {
    const release = this.releaseLock;
    this.releaseLock = undefined;
    if (!release) return;
    const ownerFile = path.join(this.box, READER_OWNER_NAME);
    let owner: { token?: string } | undefined;
    try {
      owner = JSON.parse(await fsp.readFile(ownerFile, 'utf8')) as { token?: string };
    } catch {
      owner = undefined;
    }
    if (owner?.token !== undefined && owner.token !== this.token) {
      this.logger.warn('mailbox: reader lock was taken over by another reader; not releasing it');
      return;
    }
    await fsp.rm(ownerFile, { force: true }).catch(() => undefined);
    await release().catch((err: unknown) => this.logger.debug({ err }, 'mailbox: releasing the reader lock failed'));
  }

  /** Removes tmp/ leftovers of crashed senders; young files may be a send in progress. */
  private async cleanTmp(): Promise<void> {
    let names: string[];
    try {
      names = await fsp.readdir(this.tmpDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const cutoff = Date.now() - TMP_MAX_AGE_MS;
    for (const name of names) {
      const file = path.join(this.tmpDir, name);
      try {
        const st = await fsp.lstat(file);
        if (st.mtimeMs >= cutoff) continue;
        await fsp.rm(file, { recursive: true, force: true });
        this.logger.info({ file: name }, 'mailbox: removed a stale tmp/ leftover');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ err, file: name }, 'mailbox: could not clean tmp/ entry');
      }
    }
  }

  private async rebuildHandled(): Promise<void> {
    let names: string[];
    try {
      names = await fsp.readdir(this.curDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      const parsed = parseMessageFileName(name);
      if (parsed) this.handled.add(parsed.id);
    }
  }
}
