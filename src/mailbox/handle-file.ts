/**
 * What the reader does with one file from new/: read it untrusted, check it, dedupe by id,
 * keep its sender's order behind a message waiting for a retry, run the handler, and ack
 * into cur/ or move to dead/ with a reason.
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { PassContext } from './arrival-order.js';
import { moveToDead, sanitizeReason } from './dead-letter.js';
import { ackToCur } from './folders.js';
import { checkMessageFile, readMessageFile } from './read-message.js';
import type { MailboxReaderOptions, MailboxReaderStats } from './reader-options.js';
import type { RetryBook } from './retry.js';

/** What one file came to in a pass. `progress`: dealt with (handled, deduped, dead or gone). */
export type FileOutcome = 'handled' | 'progress' | 'held' | 'later';

/** The reader's folders and state a file is handled with (shared with the reader, not copied). */
export interface FileHandlerContext {
  newDir: string;
  curDir: string;
  deadDir: string;
  maxBytes: number;
  reader: Pick<MailboxReaderOptions, 'sessionId' | 'agentId' | 'minEpoch' | 'handler'>;
  /** Ids handled by this mailbox; grown on every ack. */
  handled: Set<string>;
  retries: RetryBook;
  counters: MailboxReaderStats;
  logger: Logger;
}

export class FileHandler {
  constructor(private readonly c: FileHandlerContext) {}

  /** Handles one file from new/. */
  async handle(name: string, ctx: PassContext): Promise<FileOutcome> {
    const file = path.join(this.c.newDir, name);
    const settled = (st: Stats) => st.ctimeMs < ctx.settledBefore || ctx.settledNames.has(name);
    const read = readMessageFile(file, this.c.maxBytes, settled);
    if (read.kind === 'later') return 'later';
    if (read.kind === 'gone') {
      this.c.logger.debug({ file: name }, 'mailbox: file vanished before it was read; skipped');
      this.c.retries.forget(name);
      return 'progress';
    }
    if (read.kind === 'bad') {
      await this.toDead(name, read.reason);
      return 'progress';
    }
    const checked = checkMessageFile(read.text, name, { sessionId: this.c.reader.sessionId, agentId: this.c.reader.agentId, maxBytes: this.c.maxBytes, minEpoch: this.c.reader.minEpoch?.() });
    if (!checked.ok) {
      await this.toDead(name, checked.reason);
      return 'progress';
    }
    const env = checked.env;
    if (this.c.handled.has(env.id)) {
      this.c.logger.debug({ file: name, id: env.id }, 'mailbox: id already handled; acked without handling again');
      this.c.counters.deduped++;
      ackToCur(this.c.newDir, this.c.curDir, name, this.c.logger);
      return 'progress';
    }
    // An earlier message of this sender waits for a retry, or this one waits out its backoff.
    if (ctx.held.has(env.from)) return 'held';
    if (this.c.retries.waiting(name)) {
      ctx.held.add(env.from);
      return 'held';
    }

    try {
      await this.c.reader.handler(env, { name, path: file });
    } catch (err) {
      const verdict = this.c.retries.failed(name, err);
      if (verdict.dead) {
        this.c.logger.error({ err, file: name, id: env.id, type: env.type }, 'mailbox: handler failed; message moved to dead/');
        await this.toDead(name, verdict.reason);
        return 'progress';
      }
      this.c.counters.retried++;
      ctx.held.add(env.from);
      this.c.logger.warn({ err, file: name, id: env.id, type: env.type, attempts: verdict.attempts, retryInMs: verdict.retryInMs }, 'mailbox: handler failed; will retry');
      return 'held';
    }
    this.c.retries.forget(name);
    // Remember the id even if the ack rename fails, so a later pass dedupes instead of re-handling.
    this.c.handled.add(env.id);
    this.c.counters.handled++;
    ackToCur(this.c.newDir, this.c.curDir, name, this.c.logger);
    return 'handled';
  }

  /** new/ → dead/ with a bounded, printable one-line reason. */
  private async toDead(name: string, reason: string): Promise<void> {
    this.c.retries.forget(name);
    const line = sanitizeReason(reason);
    if (!(await moveToDead(this.c.newDir, this.c.deadDir, name, line))) return;
    this.c.counters.dead++;
    this.c.logger.warn({ file: name, reason: line }, 'mailbox: message moved to dead/');
  }
}
