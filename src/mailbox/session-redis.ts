/**
 * Which Redis a session folder's shared state is in, when the session runs on the redis
 * transport: its mailboxes (open.ts) and its artifacts (artifacts/store.ts). The
 * coordinator's launcher registers the URL for its session folder in-process; a worker host
 * writes it to a file in its copy of the session folder (owner-only: the URL may hold a
 * password), which the worker reads. Not an environment variable: MCP servers inherit the
 * MAILROOM_* ones. No URL: the session's Maildirs and artifacts/ folder.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** `<sessionDir>/redis.url`: the Redis URL of a worker host's session copy. */
export const SESSION_REDIS_FILE = 'redis.url';

const registered = new Map<string, string>();

/** The session in `sessionDir` uses Redis at `url` in this process; returns the undo. */
export function useSessionRedis(sessionDir: string, url: string): () => void {
  const key = path.resolve(sessionDir);
  registered.set(key, url);
  return () => {
    if (registered.get(key) === url) registered.delete(key);
  };
}

/** Writes the URL for the worker processes of this session copy (mode 0600). */
export async function writeSessionRedisFile(sessionDir: string, url: string): Promise<void> {
  const file = path.join(sessionDir, SESSION_REDIS_FILE);
  await fsp.writeFile(file, url + '\n', { mode: 0o600 });
  await fsp.chmod(file, 0o600);
}

/** The Redis URL of this session folder, or undefined for a session on local files. */
export function sessionRedisUrl(sessionDir: string): string | undefined {
  const mine = registered.get(path.resolve(sessionDir));
  if (mine) return mine;
  const file = path.join(sessionDir, SESSION_REDIS_FILE);
  // Checked first: the usual answer is "no file", and a thrown ENOENT costs a worker about
  // 0.1 ms on the way to its `started` (an Error with its stack, in code not yet optimized).
  if (!fs.existsSync(file)) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
