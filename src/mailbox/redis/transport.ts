/**
 * The `redis` transport: one stream per mailbox, `mailroom:<session>:<agent>`, with one
 * consumer group (`reader`); see reader.ts for the reading protocol and trim.ts for
 * retention. One command connection is shared by the senders; each reader opens its own
 * extra connection for XREADGROUP BLOCK.
 */
import type { Redis } from 'ioredis';
import type { MaildirFolder } from '../maildir.js';
import type { MailboxTransport, TransportReaderOptions, TransportSenderOptions } from '../transport.js';
import { connectRedis } from './connect.js';
import { READER_GROUP, mailboxIndexKey, mailboxKeys } from './keys.js';
import { countRedisMailbox, listRedisMailbox } from './inspect.js';
import { RedisMailboxReader, type RedisReaderExtras } from './reader.js';
import { RedisMailboxSender } from './send.js';

export class RedisTransport implements MailboxTransport {
  readonly kind = 'redis' as const;

  /** Connects to `url`; the transport owns (and closes) the connection. */
  static connect(url: string, sessionId: string, readerExtras: RedisReaderExtras = {}): RedisTransport {
    return new RedisTransport(connectRedis(url, { name: `mailroom-${sessionId}` }), sessionId, readerExtras, true);
  }

  constructor(
    readonly client: Redis,
    readonly sessionId: string,
    private readonly readerExtras: RedisReaderExtras = {},
    private readonly ownsClient = false,
  ) {}

  /** Creates the stream and its group at id 0 (so nothing sent before a reader is missed). */
  async createMailbox(agentId: string): Promise<void> {
    const { stream } = mailboxKeys(this.sessionId, agentId);
    try {
      await this.client.call('XGROUP', 'CREATE', stream, READER_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    await this.client.sadd(mailboxIndexKey(this.sessionId), agentId);
  }

  async hasMailbox(agentId: string): Promise<boolean> {
    return (await this.client.exists(mailboxKeys(this.sessionId, agentId).stream)) === 1;
  }

  sender(opts: TransportSenderOptions): RedisMailboxSender {
    return new RedisMailboxSender(this.client, this.sessionId, opts);
  }

  reader(opts: TransportReaderOptions & RedisReaderExtras): RedisMailboxReader {
    return new RedisMailboxReader(this.client, this.sessionId, { ...this.readerExtras, ...opts });
  }

  list(agentId: string, folders?: MaildirFolder[]) {
    return listRedisMailbox(this.client, this.sessionId, agentId, folders);
  }

  count(agentId: string) {
    return countRedisMailbox(this.client, this.sessionId, agentId);
  }

  /** The session's mailbox agent ids. */
  async agents(): Promise<string[]> {
    return (await this.client.smembers(mailboxIndexKey(this.sessionId))).sort();
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit().catch(() => this.client.disconnect());
  }
}
