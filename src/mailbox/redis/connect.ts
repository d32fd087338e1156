/**
 * Redis connections from a URL. `redis://[user:password@]host:port[/db]` and
 * `rediss://…` (TLS) are accepted, as is `unix:///path/to.sock`; anything else is a
 * ConfigError naming the URL (with the password masked).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../../errors.js';

/** The URL with any password replaced by `***`, for messages and logs. */
export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Throws ConfigError unless `url` is a redis://, rediss:// or unix:// URL. */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`invalid --redis URL ${JSON.stringify(maskRedisUrl(url))}: expected redis://host:port, rediss://host:port or unix:///path`);
  }
  if (!['redis:', 'rediss:', 'unix:'].includes(u.protocol)) {
    throw new ConfigError(`invalid --redis URL ${maskRedisUrl(url)}: the scheme must be redis://, rediss:// or unix://, not ${u.protocol}//`);
  }
  if (u.protocol !== 'unix:' && !u.hostname) throw new ConfigError(`invalid --redis URL ${maskRedisUrl(url)}: no host`);
  if (u.protocol === 'unix:' && !u.pathname) throw new ConfigError(`invalid --redis URL ${maskRedisUrl(url)}: no socket path`);
  return u;
}

export interface ConnectOptions {
  /** ioredis connection name, shown by CLIENT LIST. */
  name?: string;
  /** Extra ioredis options (tests: tls.ca, retry policy). */
  extra?: RedisOptions;
  /** Connection-level errors (commands also reject with them). Default: ignored here. */
  onError?: (err: Error) => void;
}

/**
 * A connected client. Commands issued before the connection is up are queued; a
 * connection that keeps failing rejects them instead of queueing forever.
 */
export function connectRedis(url: string, opts: ConnectOptions = {}): Redis {
  const u = parseRedisUrl(url);
  const base: RedisOptions = {
    connectionName: opts.name,
    // Fail commands during an outage rather than hold them forever; callers retry.
    maxRetriesPerRequest: 20,
    enableAutoPipelining: false,
    ...opts.extra,
  };
  // ioredis parses user, password, db and rediss:// (TLS) from the URL itself.
  const client = u.protocol === 'unix:' ? unixClient(u, base) : new Redis(url, base);
  // Without a listener ioredis prints every reconnect error; the commands reject anyway.
  client.on('error', (err: Error) => opts.onError?.(err));
  return client;
}

/**
 * Runs `fn` on a fresh connection that is closed afterwards: for rare calls (a CLI command,
 * an artifact read) that should not keep a connection, or the process, alive. Few retries,
 * so an unreachable server fails the call soon instead of queueing it through reconnects.
 */
export async function withRedisClient<T>(url: string, name: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = connectRedis(url, { name, extra: { maxRetriesPerRequest: 2, connectTimeout: 5000 } });
  try {
    return await fn(client);
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}

function unixClient(u: URL, base: RedisOptions): Redis {
  const db = u.searchParams.get('db');
  return new Redis({ ...base, path: decodeURIComponent(u.pathname), ...(db ? { db: Number(db) } : {}), ...(u.password ? { password: decodeURIComponent(u.password) } : {}) });
}
