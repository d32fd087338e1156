/**
 * The transport a process uses for one session's mailboxes: Redis when the session runs on
 * the redis transport, else the Maildirs in its folder. Redis is imported only then, so a
 * local worker's start does not pay for the client.
 */
import { UsageError } from '../errors.js';
import { FsTransport, type FsReaderExtras } from './fs-transport.js';
import { sessionRedisUrl } from './session-redis.js';
import type { MailboxTransport, TransportKind } from './transport.js';

export interface SessionTransportOptions {
  /** The session's Redis, when this process has not registered one for the folder (a CLI, the viewer). */
  redisUrl?: string;
  fsExtras?: FsReaderExtras;
}

/**
 * Opens the transport of session `session.id` in `sessionDir`; the caller closes it. A
 * session recorded as redis needs its URL: registered in this process, the folder's
 * redis.url (a worker host's copy), or `redisUrl`; a session on local files ignores one.
 */
export async function openSessionTransport(
  sessionDir: string,
  session: { id: string; transport?: TransportKind | undefined },
  opts: SessionTransportOptions = {},
): Promise<MailboxTransport> {
  // A URL given for a session on local files is not its mail's place: the Maildirs are.
  const url = sessionRedisUrl(sessionDir) ?? (session.transport === 'redis' ? opts.redisUrl : undefined);
  if (url === undefined) {
    if (session.transport === 'redis') throw new UsageError(`session ${session.id} runs on the redis transport: pass --redis <url> (or set MAILROOM_REDIS_URL)`);
    return new FsTransport(sessionDir, session.id, opts.fsExtras);
  }
  const { RedisTransport } = await import('./redis/transport.js');
  return RedisTransport.connect(url, session.id);
}
