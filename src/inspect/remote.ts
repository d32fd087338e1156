/**
 * Reading a redis-transport session through Redis, for the inspection commands and the
 * viewer: its mailboxes (as folders, see mailbox/redis/inspect.ts) and the per-agent
 * streams of worker transcript and log lines the worker hosts append. So a machine that
 * reaches the Redis server reads them even without the coordinator's session folder.
 */
import type { Redis } from 'ioredis';
import { MailroomError, describeError } from '../errors.js';
import { maskRedisUrl, withRedisClient } from '../mailbox/redis/connect.js';
import { mailboxIndexKey } from '../mailbox/redis/keys.js';
import { RedisTransport } from '../mailbox/redis/transport.js';
import { fileStream } from '../worker-host/protocol.js';

/** Runs `fn` on a fresh connection, closed afterwards; an unreachable server is a MailroomError naming the URL. */
export async function withRedis<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  try {
    return await withRedisClient(url, 'mailroom-inspect', fn);
  } catch (err) {
    if (err instanceof MailroomError) throw err;
    throw new MailroomError('E_REDIS', `reading Redis at ${maskRedisUrl(url)} failed: ${describeError(err)}`, { cause: err });
  }
}

/** Runs `fn` on the session's redis transport (read-only use: list, count, agents). */
export function withRedisTransport<T>(url: string, sessionId: string, fn: (t: RedisTransport) => Promise<T>): Promise<T> {
  return withRedis(url, (client) => fn(new RedisTransport(client, sessionId)));
}

/** The agents with a mailbox stream in Redis for this session; empty when Redis has no such session. */
export function redisAgents(url: string, sessionId: string): Promise<string[]> {
  return withRedis(url, async (client) => (await client.smembers(mailboxIndexKey(sessionId))).sort());
}

/**
 * The text of an agent's transcript or log as its worker host streamed it (one line per
 * entry, newline-terminated, in order), or undefined when the stream does not exist.
 */
export async function readFileStream(url: string, sessionId: string, agentId: string, file: 'transcript' | 'log'): Promise<string | undefined> {
  const got = await readFileStreamAfter(url, sessionId, agentId, file);
  return got && got.lines.map((l) => `${l}\n`).join('');
}

/**
 * The lines of an agent's transcript or log stream after entry `after` (all by default),
 * with the id of the last one, for a follower; undefined when the stream does not exist.
 */
export function readFileStreamAfter(
  url: string,
  sessionId: string,
  agentId: string,
  file: 'transcript' | 'log',
  after?: string,
): Promise<{ lines: string[]; last: string | undefined } | undefined> {
  return withRedis(url, async (client) => {
    const key = fileStream(sessionId, agentId, file);
    if ((await client.exists(key)) === 0) return undefined;
    const lines: string[] = [];
    let last = after;
    for (;;) {
      const rows = (await client.xrange(key, last ? `(${last}` : '-', '+', 'COUNT', 1000)) as [string, string[]][];
      for (const [id, fields] of rows) {
        lines.push(fieldValue(fields, 'line'));
        last = id;
      }
      if (rows.length < 1000) return { lines, last };
    }
  });
}

function fieldValue(fields: string[], name: string): string {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]!;
  return '';
}
