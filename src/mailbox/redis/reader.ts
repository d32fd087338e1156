/**
 * The one reader of a redis mailbox. The lock is a key holding this reader's consumer
 * name, with a TTL it keeps extending; every ack and dead-letter is fenced by it. At start
 * (and after an error) the reader XAUTOCLAIMs whatever its predecessors left pending,
 * carrying the cursor forward until it wraps to 0-0, then re-reads its own pending list;
 * after that XREADGROUP BLOCK on its own connection is the wake-up. Entries are handled in
 * stream order and XACKed (with the message id added to the handled set, atomically) only
 * after the handler resolved. A handler that throws is retried as on the Maildir reader
 * (retry.ts): the entry stays pending in this reader's PEL, the sender's later entries wait
 * behind it, and each pass re-reads the PEL from its start before reading new entries, so
 * stream order holds per sender; only a BadMessageError or the last attempt dead-letters it.
 */
import type { Redis } from 'ioredis';
import { newId } from '../../util/ids.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { MailboxError, MailboxLockLostError, MailboxLockedError, UnknownRecipientError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { checkEnvelopeText } from '../envelope-check.js';
import { RetryBook } from '../retry.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../maildir.js';
import type { TransportReader, TransportReaderOptions, TransportReaderStats } from '../transport.js';
import { READER_GROUP, mailboxKeys } from './keys.js';
import { parseAutoclaim, parseRead, type StreamEntry } from './replies.js';
import { ACK_ENTRY, DEAD_LETTER, REFRESH_LOCK, RELEASE_LOCK } from './scripts.js';
import { trimAcked, type TrimPolicy } from './trim.js';

export interface RedisReaderExtras {
  /** TTL of the reader lock; a dead reader's lock frees itself after this. Default 10000 ms. */
  lockTtlMs?: number;
  /** Entries per read. Default 100. */
  batch?: number;
  trim?: TrimPolicy;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** What the entries of one pass are judged against. */
interface PassContext {
  /** Senders with an earlier entry waiting for a retry: their later entries wait too. */
  held: Set<string>;
  /** Entries left pending by this pass (waiting for a retry, or behind one). */
  left: number;
}

export class RedisMailboxReader implements TransportReader {
  private readonly keys: ReturnType<typeof mailboxKeys>;
  private readonly me = `reader-${newId(10)}`;
  private readonly logger: Logger;
  private readonly handled = new Set<string>();
  private readonly counters: TransportReaderStats & { claimed: number; deletedPending: number } = {
    passes: 0, handled: 0, deduped: 0, retried: 0, dead: 0, claimed: 0, deletedPending: 0,
  };
  private readonly retries: RetryBook;
  /** True while entries wait in our PEL for a retry: each pass re-reads it first. */
  private ownPending = false;
  private state: State = 'new';
  private blocking: Redis | undefined;
  private lockTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Set at start and after an error: claim and re-read pending entries before new ones. */
  private recover = true;
  private lastTrim = 0;
  private lockLost = false;

  constructor(
    private readonly client: Redis,
    private readonly sessionId: string,
    private readonly opts: TransportReaderOptions & RedisReaderExtras,
  ) {
    this.keys = mailboxKeys(sessionId, opts.agentId);
    this.logger = (opts.logger ?? silentLogger()).child({ mailbox: opts.agentId, transport: 'redis' });
    this.retries = new RetryBook(opts.handlerRetry);
  }

  get handledIds(): ReadonlySet<string> {
    return this.handled;
  }

  /** Counters; `claimed` = entries taken over from a predecessor, `deletedPending` = pending entries found deleted. */
  get stats(): TransportReaderStats & { claimed: number; deletedPending: number } {
    return { ...this.counters };
  }

  /** This reader's consumer name (the value of the lock key). */
  get consumer(): string {
    return this.me;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new MailboxError('E_MAILBOX_READER_STATE', `mailbox reader for ${this.opts.agentId} was already started`);
    this.state = 'starting';
    try {
      if ((await this.client.exists(this.keys.stream)) === 0) throw new UnknownRecipientError(this.opts.agentId, `redis stream ${this.keys.stream}`);
      await this.takeLock();
      for (const id of await this.client.smembers(this.keys.handled)) this.handled.add(id);
      this.blocking = this.client.duplicate({ connectionName: `${this.me}-block` });
      // Its errors surface as rejected reads, which the loop logs and retries.
      this.blocking.on('error', () => undefined);
      if (this.state !== 'starting') return;
      this.state = 'running';
      this.loop = this.runLoop();
    } catch (err) {
      await this.teardown();
      this.state = 'stopped';
      throw err;
    }
  }

  private async takeLock(): Promise<void> {
    const ttl = this.lockTtl();
    const set = this.opts.takeOverLock
      ? await this.client.set(this.keys.lock, this.me, 'PX', ttl)
      : await this.client.set(this.keys.lock, this.me, 'PX', ttl, 'NX');
    if (set !== 'OK') {
      const holder = await this.client.get(this.keys.lock);
      throw new MailboxLockedError(`redis stream ${this.keys.stream} (held by consumer ${holder ?? '?'})`);
    }
    if (this.opts.takeOverLock) this.logger.warn('mailbox: took over the reader lock');
    this.lockTimer = setInterval(() => void this.refreshLock(), Math.max(50, Math.floor(ttl / 3)));
  }

  private lockTtl(): number {
    return this.opts.lockTtlMs ?? 10_000;
  }

  private async refreshLock(): Promise<void> {
    if (this.state !== 'running') return;
    try {
      const ok = await this.client.eval(REFRESH_LOCK, 1, this.keys.lock, this.me, String(this.lockTtl()));
      if (ok === 0) this.onLockLost('the reader lock is held by another reader (taken over) or expired');
    } catch (err) {
      this.logger.warn({ err }, 'mailbox: could not extend the reader lock; retrying');
    }
  }

  private onLockLost(why: string): void {
    if (this.lockLost || this.state !== 'running') return;
    this.lockLost = true;
    const err = new MailboxLockLostError(`redis stream ${this.keys.stream}`, why);
    this.logger.error({ err }, 'mailbox: reader lock lost; this reader stops');
    void this.stop();
    try {
      this.opts.onLockLost?.(err);
    } catch (cbErr) {
      this.logger.error({ err: cbErr }, 'mailbox: onLockLost callback threw');
    }
  }

  stop(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    if (this.state === 'stopped') return Promise.resolve();
    if (this.state !== 'stopping') {
      this.state = 'stopping';
      // Interrupts a pending XREADGROUP BLOCK; the loop sees the state and ends.
      this.blocking?.disconnect();
    }
    return (async () => {
      await this.loop?.catch(() => undefined);
      await this.chain.catch(() => undefined);
      await this.teardown();
      this.state = 'stopped';
    })();
  }

  private async teardown(): Promise<void> {
    if (this.lockTimer) clearInterval(this.lockTimer);
    this.lockTimer = undefined;
    this.blocking?.disconnect();
    this.blocking = undefined;
    if (!this.lockLost) await this.client.eval(RELEASE_LOCK, 1, this.keys.lock, this.me).catch(() => undefined);
  }

  private async runLoop(): Promise<void> {
    while (this.state === 'running') {
      try {
        await this.serialized(() => this.pass(true));
      } catch (err) {
        if (this.state !== 'running') break;
        this.recover = true;
        this.logger.error({ err }, 'mailbox: redis read failed; retrying');
        await sleep(200);
      }
    }
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** One delivery pass now, without blocking; resolves with the number handled. */
  pump(): Promise<number> {
    if (this.state === 'new') return Promise.reject(new MailboxError('E_MAILBOX_READER_STATE', 'mailbox reader is not started'));
    if (this.state !== 'running') return Promise.resolve(0);
    return this.serialized(() => this.pass(false));
  }

  private async pass(block: boolean): Promise<number> {
    if (this.state !== 'running') return 0;
    let handled = 0;
    const ctx: PassContext = { held: new Set(), left: 0 };
    if (this.recover) {
      handled += await this.claimPending(ctx);
      this.recover = false;
      this.ownPending = true;
    }
    if (this.ownPending) {
      handled += await this.rereadOwnPending(ctx);
      this.ownPending = ctx.left > 0;
    }
    const batch = String(this.opts.batch ?? 100);
    const conn = block ? this.blocking : this.client;
    if (!conn || this.state !== 'running') return handled;
    this.counters.passes++;
    const args = ['GROUP', READER_GROUP, this.me, 'COUNT', batch];
    const wait = block ? this.blockMs() : 0;
    // BLOCK 0 would wait for ever: a retry already due reads without blocking.
    if (wait > 0) args.push('BLOCK', String(wait));
    const raw = await conn.call('XREADGROUP', ...args, 'STREAMS', this.keys.stream, '>');
    handled += await this.handleAll(parseRead(raw), ctx);
    this.ownPending = ctx.left > 0;
    await this.maybeTrim();
    return handled;
  }

  /** How long a blocking read may wait: the rescan interval, or less when a retry falls due sooner. */
  private blockMs(): number {
    const every = this.opts.rescanIntervalMs ?? 1000;
    const due = this.ownPending ? this.retries.nextDue() : undefined;
    if (due === undefined) return every;
    return Math.min(every, Math.max(0, due - Date.now()));
  }

  /**
   * Takes over every pending entry of the group (the lock says no one else is reading),
   * following XAUTOCLAIM's cursor until it wraps to 0-0. Since Redis 7.0 (redis #10227)
   * entries deleted while pending are dropped from the PEL and listed in the reply's third
   * element instead of coming back as nils; both shapes are tolerated, and a cursor that
   * does not move is not followed forever (the pitfall discussed around redis #13956).
   */
  private async claimPending(ctx: PassContext): Promise<number> {
    let cursor = '0-0';
    let handled = 0;
    for (let guard = 0; guard < 100_000; guard++) {
      this.counters.passes++;
      const raw = await this.client.call('XAUTOCLAIM', this.keys.stream, READER_GROUP, this.me, '0', cursor, 'COUNT', String(this.opts.batch ?? 100));
      const { cursor: next, entries, deleted } = parseAutoclaim(raw);
      this.counters.claimed += entries.length;
      if (deleted.length > 0) {
        this.counters.deletedPending += deleted.length;
        this.logger.warn({ entries: deleted }, 'mailbox: pending entries were deleted from the stream before their ack; dropped from the pending list');
      }
      handled += await this.handleAll(entries, ctx);
      if (next === '0-0' || next === cursor || this.state !== 'running') break;
      cursor = next;
    }
    await this.dropIdleConsumers();
    return handled;
  }

  /**
   * Our own pending entries, from the start of our PEL, in stream order: those waiting for
   * a retry (and those behind them), a claimed predecessor's, or one whose ack failed.
   */
  private async rereadOwnPending(ctx: PassContext): Promise<number> {
    let handled = 0;
    let from = '0';
    const seen = new Set<string>();
    while (this.state === 'running') {
      this.counters.passes++;
      const raw = await this.client.call('XREADGROUP', 'GROUP', READER_GROUP, this.me, 'COUNT', String(this.opts.batch ?? 100), 'STREAMS', this.keys.stream, from);
      const entries = parseRead(raw);
      if (entries.length === 0) {
        // The whole PEL was read: a retry record for an entry not in it is stale.
        this.retries.keepOnly(seen);
        break;
      }
      for (const e of entries) seen.add(e.id);
      handled += await this.handleAll(entries, ctx);
      from = entries[entries.length - 1]!.id;
    }
    return handled;
  }

  /** Removes predecessors' consumer names that own nothing any more (never one with pending entries). */
  private async dropIdleConsumers(): Promise<void> {
    const raw = (await this.client.call('XINFO', 'CONSUMERS', this.keys.stream, READER_GROUP)) as unknown[];
    for (const c of raw) {
      const f = c as unknown[];
      const info: Record<string, unknown> = {};
      for (let i = 0; i + 1 < f.length; i += 2) info[String(f[i])] = f[i + 1];
      if (info.name !== this.me && Number(info.pending) === 0) await this.client.call('XGROUP', 'DELCONSUMER', this.keys.stream, READER_GROUP, String(info.name));
    }
  }

  private async handleAll(entries: StreamEntry[], ctx: PassContext): Promise<number> {
    let n = 0;
    for (const e of entries) {
      if (this.state !== 'running') break;
      if (await this.handleEntry(e, ctx)) n++;
    }
    return n;
  }

  /** True when the handler ran and the entry was acked. */
  private async handleEntry(entry: StreamEntry, ctx: PassContext): Promise<boolean> {
    if (entry.fields === null) {
      // Deleted while pending (Redis < 7 keeps it in the PEL): nothing to handle, clear it.
      this.counters.deletedPending++;
      await this.ack(entry.id, '');
      return false;
    }
    const text = entry.fields.env;
    if (text === undefined) {
      await this.deadLetter(entry.id, 'entry has no env field', JSON.stringify(entry.fields));
      return false;
    }
    const check = checkEnvelopeText(text, {
      sessionId: this.sessionId,
      agentId: this.opts.agentId,
      maxBytes: this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      minEpoch: this.opts.minEpoch?.(),
    });
    if (!check.ok) {
      await this.deadLetter(entry.id, check.reason, text);
      return false;
    }
    const env = check.env;
    if (this.handled.has(env.id)) {
      this.logger.debug({ entry: entry.id, id: env.id }, 'mailbox: id already handled; acked without handling again');
      this.counters.deduped++;
      await this.ack(entry.id, env.id);
      return false;
    }
    // An earlier entry of this sender waits for a retry, or this one waits out its backoff:
    // it stays pending in our PEL and a later pass re-reads it.
    if (ctx.held.has(env.from) || this.retries.waiting(entry.id)) {
      ctx.held.add(env.from);
      ctx.left++;
      return false;
    }
    try {
      await this.opts.handler(env, { name: entry.id });
    } catch (err) {
      const verdict = this.retries.failed(entry.id, err);
      if (verdict.dead) {
        this.logger.error({ err, entry: entry.id, id: env.id, type: env.type }, 'mailbox: handler failed; message dead-lettered');
        await this.deadLetter(entry.id, verdict.reason, text);
        return false;
      }
      this.counters.retried++;
      ctx.held.add(env.from);
      ctx.left++;
      this.logger.warn({ err, entry: entry.id, id: env.id, type: env.type, attempts: verdict.attempts, retryInMs: verdict.retryInMs }, 'mailbox: handler failed; will retry');
      return false;
    }
    this.retries.forget(entry.id);
    this.handled.add(env.id);
    this.counters.handled++;
    await this.ack(entry.id, env.id);
    return true;
  }

  private async ack(entryId: string, messageId: string): Promise<void> {
    const ok = await this.client.eval(ACK_ENTRY, 3, this.keys.lock, this.keys.handled, this.keys.stream, this.me, READER_GROUP, entryId, messageId);
    if (ok === 0) this.onLockLost('could not ack: the reader lock is no longer ours');
  }

  private async deadLetter(entryId: string, reason: string, raw: string): Promise<void> {
    this.retries.forget(entryId);
    const line = reason.replace(/\s*[\r\n]+\s*/g, ' ').trim();
    const ok = await this.client.eval(DEAD_LETTER, 3, this.keys.lock, this.keys.dead, this.keys.stream, this.me, READER_GROUP, entryId, line, raw);
    if (ok === 0) return this.onLockLost('could not dead-letter: the reader lock is no longer ours');
    this.counters.dead++;
    this.logger.warn({ entry: entryId, reason: line }, 'mailbox: message moved to the dead-letter stream');
  }

  private async maybeTrim(): Promise<void> {
    const policy = this.opts.trim;
    if (!policy || Date.now() - this.lastTrim < (policy.everyMs ?? 30_000)) return;
    this.lastTrim = Date.now();
    const removed = await trimAcked(this.client, this.keys.stream, READER_GROUP, policy);
    if (removed > 0) this.logger.debug({ removed }, 'mailbox: trimmed acked entries');
  }
}
