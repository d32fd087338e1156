/**
 * Shared artifacts in Redis, for a session on the redis transport, so every machine of the
 * session (coordinator, worker hosts, a resume elsewhere) reads what any of them stored.
 * Each artifact is a hash `mailroom:<session>:~artifact:<name>` (fields `entry`, the
 * ArtifactEntry JSON, and `content`) with a TTL: its own `ttlMs`, else the retention
 * below. A sorted set `mailroom:<session>:~artifacts` (score = expiry, ms) indexes them for
 * listing and tells an expired artifact from an unknown one. `~` is not in agent ids, so
 * these keys never meet a mailbox's.
 */
import type { Redis } from 'ioredis';
import { withRedisClient } from '../mailbox/redis/connect.js';
import { sessionPrefix } from '../mailbox/redis/keys.js';
import { ArtifactError, type ArtifactEntry, type ArtifactOps, type PutOptions } from './entry.js';

/** How long an artifact without its own TTL stays in Redis: 7 days (the longest `ttl_seconds` allowed, too). */
export const ARTIFACT_RETENTION_MS = 7 * 24 * 3600 * 1000;

export function artifactKey(sessionId: string, name: string): string {
  return `${sessionPrefix(sessionId)}:~artifact:${name}`;
}

export function artifactIndexKey(sessionId: string): string {
  return `${sessionPrefix(sessionId)}:~artifacts`;
}

/** The server's clock in ms: every machine of the session judges expiry by the same one. */
async function serverNow(client: Redis): Promise<number> {
  const [sec, micro] = (await client.time()) as [string | number, string | number];
  return Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
}

export class RedisArtifacts implements ArtifactOps {
  constructor(
    private readonly url: string,
    private readonly sessionId: string,
  ) {}

  private run<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    return withRedisClient(this.url, `mailroom-artifacts-${this.sessionId}`, fn);
  }

  async put(name: string, content: string, by: string, opts: PutOptions = {}): Promise<ArtifactEntry> {
    return this.run(async (client) => {
      const now = await serverNow(client);
      const ttl = opts.ttlMs ?? ARTIFACT_RETENTION_MS;
      const key = artifactKey(this.sessionId, name);
      const entry: ArtifactEntry = {
        name,
        file: key,
        bytes: Buffer.byteLength(content),
        storedBy: by,
        storedAt: new Date(now).toISOString(),
        ...(opts.ttlMs ? { expiresAt: new Date(now + opts.ttlMs).toISOString() } : {}),
        ...(opts.description ? { description: opts.description } : {}),
      };
      const index = artifactIndexKey(this.sessionId);
      await client
        .multi()
        .del(key)
        .hset(key, { entry: JSON.stringify(entry), content })
        .pexpire(key, ttl)
        .zadd(index, now + ttl, name)
        // The index outlives every artifact it lists (no TTL is longer than the retention).
        .pexpire(index, ARTIFACT_RETENTION_MS)
        .exec();
      return entry;
    });
  }

  async get(name: string): Promise<{ entry: ArtifactEntry; content: string }> {
    type Found = { entry: ArtifactEntry; content: string } | { expiredAt: string | undefined };
    const found = await this.run(async (client): Promise<Found> => {
      const [entry, content] = (await client.hmget(artifactKey(this.sessionId, name), 'entry', 'content')) as (string | null)[];
      if (typeof entry === 'string' && typeof content === 'string') return { entry: JSON.parse(entry) as ArtifactEntry, content };
      const expiry = await client.zscore(artifactIndexKey(this.sessionId), name);
      const expired = expiry !== null && Number(expiry) <= (await serverNow(client));
      return { expiredAt: expired ? new Date(Number(expiry)).toISOString() : undefined };
    });
    if ('content' in found) return found;
    if (found.expiredAt) throw new ArtifactError('E_ARTIFACT_EXPIRED', `artifact "${name}" expired at ${found.expiredAt}`);
    const known = (await this.list()).map((e) => e.name);
    throw new ArtifactError('E_ARTIFACT_NOT_FOUND', `no artifact "${name}"; known: ${known.join(', ') || 'none'}`);
  }

  async list(): Promise<ArtifactEntry[]> {
    return this.run(async (client) => {
      const names = await client.zrangebyscore(artifactIndexKey(this.sessionId), `(${await serverNow(client)}`, '+inf');
      if (names.length === 0) return [];
      const pipe = client.pipeline();
      for (const n of names) pipe.hget(artifactKey(this.sessionId, n), 'entry');
      const out: ArtifactEntry[] = [];
      for (const [err, v] of (await pipe.exec()) ?? []) if (!err && typeof v === 'string') out.push(JSON.parse(v) as ArtifactEntry);
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }
}
