/**
 * A sender's clock floor that survives its restarts: a new process of the same sender never
 * names a message before its predecessor's, even when the wall clock stepped back between
 * them (file names sort by sentAt first, and seq starts over in each process).
 *
 * The floor is leased: before a sentAt at or past the lease is used, the lease is moved
 * LEASE_MS ahead and written (atomically) to `<agent dir>/send-clock.json`; a new process
 * starts from the written lease. So a sender writes that file at most once per LEASE_MS of
 * sending, and a restarted sender's sentAt runs at most LEASE_MS ahead of the old one's.
 * A sender without an agent folder (an operator tool) has no floor: the documented limit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeTextAtomicSync } from '../util/fs.js';
import { agentDir } from './maildir.js';

/** How far ahead of the last sentAt the persisted floor is kept. */
export const SEND_CLOCK_LEASE_MS = 1000;

/** File name of the persisted floor in the sender's agent folder. */
export const SEND_CLOCK_NAME = 'send-clock.json';

export class SendClock {
  private loaded: Promise<number> | undefined;
  private lease = 0;
  private writing: Promise<void> = Promise.resolve();
  private disabled = false;

  /** `file` undefined: no persistence (a floor of 0). */
  constructor(private readonly file: string | undefined) {}

  /** The default file for a sender, or undefined when its id cannot name a folder. */
  static fileFor(sessionDir: string, from: string): string | undefined {
    try {
      return path.join(agentDir(sessionDir, from), SEND_CLOCK_NAME);
    } catch {
      return undefined;
    }
  }

  /** The persisted floor: every sentAt of an earlier process of this sender is below it. Read once. */
  floor(): Promise<number> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  private async read(): Promise<number> {
    // No file yet is the usual first send: checked, not thrown (see session-redis.ts).
    if (!this.file || !fs.existsSync(this.file)) return 0;
    try {
      // Synchronous: a tiny local file, read once, on the way to a worker's first message.
      const v = (JSON.parse(fs.readFileSync(this.file, 'utf8')) as { floor?: unknown }).floor;
      this.lease = typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : 0;
    } catch {
      this.lease = 0; // none yet, or torn by hand: no floor to keep
    }
    return this.lease;
  }

  /**
   * Called synchronously with each sentAt, in send order; resolves once a floor above it is
   * on disk (at once while the lease covers it). Await it before the message is renamed into new/.
   */
  cover(sentAt: number): Promise<void> {
    if (!this.file || this.disabled || sentAt < this.lease) return this.writing;
    const lease = sentAt + SEND_CLOCK_LEASE_MS;
    this.lease = lease;
    const text = JSON.stringify({ floor: lease }) + '\n';
    // Written with synchronous calls (a tiny local file, once a lease): no thread-pool round trips before the send.
    this.writing = this.writing.then(() => {
      try {
        writeTextAtomicSync(this.file!, text);
      } catch (err) {
        // No agent folder: this sender keeps no floor across restarts (see the module comment).
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.disabled = true;
        else throw err;
      }
    });
    return this.writing;
  }
}
