/**
 * Sending on the redis transport: one XADD per message onto the recipient's stream. A
 * Lua guard makes "unknown recipient" atomic with the add, so a send never creates a
 * mailbox. Per-sender order is the order of the awaited XADDs on one connection.
 */
import type { Redis } from 'ioredis';
import { InvalidEnvelopeError, UnknownRecipientError } from '../../errors.js';
import { buildEnvelope } from '../envelope-check.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../maildir.js';
import type { BodyOf, EnvelopeOf, MessageType } from '../../contracts/envelope.js';
import type { SendOptions } from '../send.js';
import type { TransportSender, TransportSenderOptions } from '../transport.js';
import { mailboxStreamKey } from './keys.js';

/** XADD only onto an existing stream (made by createMailbox); returns the entry id or 0. */
const GUARDED_XADD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('XADD', KEYS[1], '*', 'env', ARGV[1])
`;

export class RedisMailboxSender implements TransportSender {
  private nextSeq = 0;
  private lastSentAt = 0;

  constructor(
    private readonly client: Redis,
    private readonly sessionId: string,
    private readonly opts: TransportSenderOptions,
  ) {}

  get from(): string {
    return this.opts.from;
  }

  async send<T extends MessageType>(to: string, type: T, body: BodyOf<T>, opts: SendOptions = {}): Promise<EnvelopeOf<T>> {
    const epoch = typeof this.opts.epoch === 'function' ? this.opts.epoch() : this.opts.epoch;
    const sentAt = Math.max(Date.now(), this.lastSentAt);
    const seq = this.nextSeq;
    const envelope = buildEnvelope({ sessionId: this.sessionId, from: this.opts.from, to, type, body, seq, sentAt, epoch, opts });
    const data = JSON.stringify(envelope);
    const max = this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const size = Buffer.byteLength(data);
    if (size > max) throw new InvalidEnvelopeError(`refusing to send ${type} to ${to}: ${size} bytes is over the ${max}-byte message limit`);
    this.nextSeq = seq + 1;
    this.lastSentAt = sentAt;
    const key = mailboxStreamKey(this.sessionId, to);
    const added = await this.client.eval(GUARDED_XADD, 1, key, data);
    if (added === 0) throw new UnknownRecipientError(to, `redis stream ${key}`);
    return envelope;
  }
}
