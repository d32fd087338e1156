/**
 * Shared artifacts: named blobs in `artifacts/`, with an index (`artifacts/index.json`)
 * that records who stored what, when, and until when it is valid. Many worker processes
 * write at once, so the index is read-modified-written under a proper-lockfile lock, and
 * each blob is written to a temporary file and renamed into place. A session on the redis
 * transport keeps them in Redis hashes with a TTL instead (redis-store.ts, where.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { ArtifactError, type ArtifactEntry, type ArtifactOps, type PutOptions } from './entry.js';
import type { RedisArtifacts } from './redis-store.js';
import { sessionRedisUrl } from '../mailbox/session-redis.js';
import { sessionPaths } from '../session/layout.js';
import { readJsonIfExists, writeJsonAtomic, writeTextAtomic } from '../util/fs.js';

export const ArtifactNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'artifact names are letters, digits, ".", "_" and "-", up to 100 characters')
  .refine((n) => !n.includes('..') && n !== 'index.json' && n !== 'decisions.jsonl', 'reserved or unsafe artifact name');

export { ArtifactError, type ArtifactEntry } from './entry.js';

type Index = Record<string, ArtifactEntry>;

/** A session's artifacts, in its folder or (redis transport) in Redis; names are checked here. */
export class ArtifactStore implements ArtifactOps {
  private readonly ops: ArtifactOps;
  /** Where this store keeps the blobs. */
  readonly kind: 'fs' | 'redis';

  constructor(sessionDir: string) {
    const url = sessionRedisUrl(sessionDir);
    this.kind = url ? 'redis' : 'fs';
    // The session folder is named by its id, on the coordinator's machine and on a host's.
    this.ops = url ? lazyRedisArtifacts(url, path.basename(path.resolve(sessionDir))) : new FsArtifacts(sessionDir);
  }

  /** Stores (or replaces) an artifact; `ttlMs` makes it expire. */
  async put(name: string, content: string, by: string, opts: PutOptions = {}): Promise<ArtifactEntry> {
    ArtifactNameSchema.parse(name);
    return this.ops.put(name, content, by, opts);
  }

  /** Reads an artifact; throws ArtifactError if it is unknown or expired. */
  async get(name: string): Promise<{ entry: ArtifactEntry; content: string }> {
    ArtifactNameSchema.parse(name);
    return this.ops.get(name);
  }

  /** Live (unexpired) artifacts. */
  async list(): Promise<ArtifactEntry[]> {
    return this.ops.list();
  }
}

/** The artifacts/ folder of a session. */
class FsArtifacts implements ArtifactOps {
  private readonly dir: string;
  private readonly indexFile: string;

  constructor(sessionDir: string) {
    this.dir = sessionPaths(sessionDir).artifacts;
    this.indexFile = path.join(this.dir, 'index.json');
  }

  async put(name: string, content: string, by: string, opts: PutOptions = {}): Promise<ArtifactEntry> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = `${name}`;
    await writeTextAtomic(path.join(this.dir, file), content);
    const now = Date.now();
    const entry: ArtifactEntry = {
      name,
      file,
      bytes: Buffer.byteLength(content),
      storedBy: by,
      storedAt: new Date(now).toISOString(),
      ...(opts.ttlMs ? { expiresAt: new Date(now + opts.ttlMs).toISOString() } : {}),
      ...(opts.description ? { description: opts.description } : {}),
    };
    await this.withIndex((index) => {
      index[name] = entry;
    });
    return entry;
  }

  async get(name: string): Promise<{ entry: ArtifactEntry; content: string }> {
    const index = (await readJsonIfExists<Index>(this.indexFile)) ?? {};
    const entry = index[name];
    if (!entry) throw new ArtifactError('E_ARTIFACT_NOT_FOUND', `no artifact "${name}"; known: ${Object.keys(index).join(', ') || 'none'}`);
    if (entry.expiresAt && Date.parse(entry.expiresAt) < Date.now()) {
      throw new ArtifactError('E_ARTIFACT_EXPIRED', `artifact "${name}" expired at ${entry.expiresAt}`);
    }
    return { entry, content: await fs.readFile(path.join(this.dir, entry.file), 'utf8') };
  }

  async list(): Promise<ArtifactEntry[]> {
    const index = (await readJsonIfExists<Index>(this.indexFile)) ?? {};
    const now = Date.now();
    return Object.values(index).filter((e) => !e.expiresAt || Date.parse(e.expiresAt) >= now);
  }

  private async withIndex(change: (index: Index) => void): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    // proper-lockfile needs the file to exist when realpath is on; we lock by path.
    const release = await lockfile.lock(this.indexFile, { realpath: false, stale: 10_000, retries: { retries: 100, minTimeout: 5, maxTimeout: 100 } });
    try {
      const index = (await readJsonIfExists<Index>(this.indexFile)) ?? {};
      change(index);
      await writeJsonAtomic(this.indexFile, index);
    } finally {
      await release();
    }
  }
}

/**
 * The Redis store, its module (and ioredis with it) imported on first use: a worker on the
 * file transport never loads a Redis client it cannot use.
 */
function lazyRedisArtifacts(url: string, sessionId: string): ArtifactOps {
  let ops: Promise<RedisArtifacts> | undefined;
  const load = () => (ops ??= import('./redis-store.js').then((m) => new m.RedisArtifacts(url, sessionId)));
  return {
    put: async (name, content, by, opts) => (await load()).put(name, content, by, opts),
    get: async (name) => (await load()).get(name),
    list: async () => (await load()).list(),
  };
}
