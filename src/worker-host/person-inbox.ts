/**
 * Files a Redis mailbox into a local Maildir: on the redis transport, the person's inbox
 * (`human`) is kept as files on the coordinator's machine, where `mailroom pending`,
 * `approve` and the viewer read it. The relay is that stream's one reader, writing each
 * envelope unchanged (same id, seq and sentAt), so dedupe by id and per-sender order hold
 * end to end; it acks only after the file is written, so delivery stays at least once.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { mailboxDir, messageFileName } from '../mailbox/maildir.js';
import { RedisMailboxReader } from '../mailbox/redis/reader.js';
import { writeIntoMailbox } from '../mailbox/send.js';
import type { Envelope } from '../contracts/envelope.js';
import type { TransportReader } from '../mailbox/transport.js';

/**
 * Writes an envelope into a local Maildir under its own name, as a sender writes one (tmp/
 * under this process's pid, fsync, rename into new/): the Redis entry is acked once this
 * returns, so the file is then the only copy. An envelope already there (new/ or cur/) is
 * a redelivery: skipped.
 */
export async function writeEnvelopeFile(sessionDir: string, env: Envelope): Promise<void> {
  const box = mailboxDir(sessionDir, env.to);
  const name = messageFileName(env.sentAt, env.seq, env.id);
  for (const folder of ['new', 'cur']) {
    if (await fsp.stat(path.join(box, folder, name)).then(() => true, () => false)) return;
  }
  await writeIntoMailbox(box, name, JSON.stringify(env, null, 2) + '\n', true, env.to);
}

export interface RelayOptions {
  sessionDir: string;
  sessionId: string;
  agentId: string;
  logger: Logger;
  /** Take over the relay's reader lock (a restarted relay). */
  takeOver?: boolean;
}

/** Redis stream of `agentId` → its local Maildir. */
export function redisToFs(client: Redis, opts: RelayOptions): TransportReader {
  return new RedisMailboxReader(client, opts.sessionId, {
    agentId: opts.agentId,
    logger: opts.logger.child({ relay: 'redis->fs' }),
    takeOverLock: opts.takeOver ?? true,
    rescanIntervalMs: 1000,
    handler: (env) => writeEnvelopeFile(opts.sessionDir, env),
  });
}
