/**
 * Where a session's artifacts live: its artifacts/ folder (fs, the default), or Redis when
 * the session runs on the redis transport. The coordinator's launcher registers the Redis
 * URL for its session folder in-process; a worker host writes it to a file in its copy of
 * the session folder (owner-only: the URL may hold a password), which the worker reads.
 * Not an environment variable: MCP servers inherit the MAILROOM_* ones.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** `<sessionDir>/artifacts.redis`: the Redis URL of a worker host's session copy. */
export const REDIS_ARTIFACTS_FILE = 'artifacts.redis';

const registered = new Map<string, string>();

/** Artifacts of the session in `sessionDir` go to Redis at `url` in this process; returns the undo. */
export function useRedisArtifacts(sessionDir: string, url: string): () => void {
  const key = path.resolve(sessionDir);
  registered.set(key, url);
  return () => {
    if (registered.get(key) === url) registered.delete(key);
  };
}

/** Writes the URL for the worker processes of this session copy (mode 0600). */
export async function writeRedisArtifactsFile(sessionDir: string, url: string): Promise<void> {
  const file = path.join(sessionDir, REDIS_ARTIFACTS_FILE);
  await fsp.writeFile(file, url + '\n', { mode: 0o600 });
  await fsp.chmod(file, 0o600);
}

/** The Redis URL for this session's artifacts, or undefined for the artifacts/ folder. */
export function redisArtifactsUrl(sessionDir: string): string | undefined {
  const mine = registered.get(path.resolve(sessionDir));
  if (mine) return mine;
  try {
    return fs.readFileSync(path.join(sessionDir, REDIS_ARTIFACTS_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
