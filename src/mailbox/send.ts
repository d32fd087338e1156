/**
 * Sending: write the whole message into the recipient's tmp/, optionally fsync, and
 * rename it into new/. The rename is atomic, so a reader never sees half a message.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { TmpFileVanishedError, UnknownRecipientError } from '../errors.js';
import { buildEnvelope, serializeEnvelope, type SendOptions } from './envelope-check.js';
import { DEFAULT_MAX_MESSAGE_BYTES, mailboxDir, messageFileName, tmpFileName } from './maildir.js';
import { SendClock } from './send-clock.js';
import { type BodyOf, type EnvelopeOf, type MessageType } from '../contracts/envelope.js';

export interface SenderOptions {
  sessionDir: string;
  sessionId: string;
  /** The sending agent's id. */
  from: string;
  /** The coordinator epoch stamped into each envelope; omitted when undefined. */
  epoch?: number | (() => number);
  /** Whether to fsync before the rename. Default: only `result` and `failure`. */
  fsync?: boolean | ((type: MessageType) => boolean);
  /** Refuse to write a message file larger than this (a reader would dead-letter it). Default 1 MiB. */
  maxMessageBytes?: number;
  /**
   * Where the sender keeps its clock floor across restarts (see send-clock.ts). Default
   * `<session>/agents/<from>/send-clock.json`; null: none.
   */
  clockFile?: string | null;
  /** Test seams only: hooks that let a test inject an interleaving deterministically. Never set in production. */
  seams?: SenderSeams;
}

/** Points where a test can pause a send, to drive a race deterministically. */
export interface SenderSeams {
  /** Runs after the message is written to tmp/ and before it is renamed into new/. */
  beforeRename?: (tmpFile: string) => Promise<void> | void;
  /** Replaces the wall clock (e.g. to step it back across a sender restart). */
  now?: () => number;
}

export type { SendOptions } from './envelope-check.js';

/** Messages whose loss would cost a model call are made durable by default. */
function defaultFsync(type: MessageType): boolean {
  return type === 'result' || type === 'failure';
}

/**
 * Sends envelopes from one agent. Any number of senders, in any number of processes, may
 * write to the same mailbox; no lock is needed.
 *
 * Order: each call takes its `seq` and `sentAt` in call order, and `sentAt` never goes
 * backwards for one sender, even across its restarts (send-clock.ts), so file names sort
 * in call order. A reader sees that order for sends that were awaited one after another.
 */
export class MailboxSender {
  private nextSeq = 0;
  private lastSentAt = 0;
  private readonly clock: SendClock;

  constructor(private readonly opts: SenderOptions) {
    this.clock = new SendClock(opts.clockFile === null ? undefined : (opts.clockFile ?? SendClock.fileFor(opts.sessionDir, opts.from)));
  }

  /** The agent id this sender writes as. */
  get from(): string {
    return this.opts.from;
  }

  async send<T extends MessageType>(to: string, type: T, body: BodyOf<T>, opts: SendOptions = {}): Promise<EnvelopeOf<T>> {
    const epoch = typeof this.opts.epoch === 'function' ? this.opts.epoch() : this.opts.epoch;
    // Every call awaits the same promise, so calls still take seq and sentAt in call order.
    const floor = await this.clock.floor();
    // A wall clock stepping back must not reorder this sender's messages, nor across its restarts.
    this.lastSentAt = Math.max(this.lastSentAt, floor);
    const sentAt = Math.max((this.opts.seams?.now ?? Date.now)(), this.lastSentAt);
    const seq = this.nextSeq;
    // Validated (once) and serialized (once) before anything touches the disk.
    const envelope = buildEnvelope({ sessionId: this.opts.sessionId, from: this.opts.from, to, type, body, seq, sentAt, epoch, opts });
    const data = serializeEnvelope(envelope, this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, true);
    const name = messageFileName(sentAt, seq, envelope.id);
    this.nextSeq = seq + 1;
    this.lastSentAt = sentAt;
    const covered = this.clock.cover(sentAt);
    const box = mailboxDir(this.opts.sessionDir, to);
    const fsync = opts.fsync ?? (typeof this.opts.fsync === 'function' ? this.opts.fsync(type) : this.opts.fsync ?? defaultFsync(type));
    await covered;
    await writeIntoMailbox(box, name, data, fsync, to, this.opts.seams);
    return envelope;
  }
}

/** fsync(2) through the thread pool: it may wait on the disk, so it never runs on the event loop. */
const fsyncFd = promisify(fs.fsync);

/** Closes `fd`, keeping the first error (the one that says what went wrong). */
function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already failing: the caller's error is the one to report
  }
}

/**
 * tmp/ (wx) → optional fsync → rename into new/. Never creates folders. The tmp/ name
 * carries this process's pid, so a reader's start-up cleanup can tell a stalled send
 * (pid alive: kept) from a crashed one (pid dead: removed).
 *
 * One descriptor per message, used for the write and the fsync and closed before the
 * rename. open, write, close and rename are synchronous: the file is small and local, so
 * none of them waits on anything slow, while each awaited call costs a thread-pool round
 * trip (measured: about half the CPU of a send; see the burst bench). Only fsync, which
 * waits on the disk, is awaited. An unknown recipient is found by these calls themselves
 * (tmp/ or new/ missing), not by a stat before them.
 */
export async function writeIntoMailbox(box: string, name: string, data: string, fsync: boolean, to: string, seams?: SenderSeams): Promise<void> {
  const tmpFile = path.join(box, 'tmp', tmpFileName(name));
  const newDir = path.join(box, 'new');
  let fd: number;
  try {
    fd = fs.openSync(tmpFile, 'wx');
  } catch (err) {
    // tmp/ missing: not a complete mailbox, and sending never creates one.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UnknownRecipientError(to, box);
    throw err;
  }
  try {
    try {
      fs.writeFileSync(fd, data);
      if (fsync) await fsyncFd(fd);
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
    fs.closeSync(fd);
    if (seams?.beforeRename) await seams.beforeRename(tmpFile);
    fs.renameSync(tmpFile, path.join(newDir, name));
  } catch (err) {
    await fsp.rm(tmpFile, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // Either new/ is gone (the mailbox is) or our own tmp/ file is: they are different failures.
      const newThere = await fsp.stat(newDir).then((st) => st.isDirectory(), () => false);
      if (!newThere) throw new UnknownRecipientError(to, box);
      throw new TmpFileVanishedError(tmpFile, { cause: err });
    }
    throw err;
  }
  if (fsync) {
    // The rename itself is only durable once the directory entry is on disk.
    const dfd = fs.openSync(newDir, 'r');
    try {
      await fsyncFd(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  }
}
