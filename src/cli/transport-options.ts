/** `--transport` and `--redis`: where a session's workers run. */
import type { LauncherFactory } from '../coordinator/api.js';
import { UsageError } from '../errors.js';
import { parseRedisUrl } from '../mailbox/redis/connect.js';
import { RedisLauncher } from '../worker-host/redis-launcher.js';

export interface TransportFlags {
  transport?: string;
  redis?: string;
}

/** The redis URL from --redis or MAILROOM_REDIS_URL; a bad one is a usage error naming the option. */
export function redisUrlFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = flag ?? (env.MAILROOM_REDIS_URL || undefined);
  if (url === undefined) return undefined;
  try {
    parseRedisUrl(url);
  } catch (err) {
    throw new UsageError(`--redis: ${(err as Error).message}`, { cause: err });
  }
  return url;
}

/** `--redis [url]` of the commands that reach a redis-transport session; without a URL, MAILROOM_REDIS_URL. */
export function redisOption(flag: string | boolean | undefined): { redisUrl?: string } {
  if (flag === undefined || flag === false) return {};
  const url = redisUrlFrom(flag === true ? undefined : flag);
  if (!url) throw new UsageError('--redis without a URL needs MAILROOM_REDIS_URL');
  return { redisUrl: url };
}

/** undefined for `fs` (local workers); a RedisLauncher factory for `redis`. */
export function launcherFrom(flags: TransportFlags): LauncherFactory | undefined {
  const kind = flags.transport ?? (flags.redis ? 'redis' : 'fs');
  if (kind !== 'fs' && kind !== 'redis') throw new UsageError(`--transport: expected fs or redis, got ${JSON.stringify(kind)}`);
  if (kind === 'fs') {
    if (flags.redis) throw new UsageError('--redis needs --transport redis');
    return undefined;
  }
  const url = redisUrlFrom(flags.redis);
  if (!url) throw new UsageError('--transport redis needs --redis <url> (or MAILROOM_REDIS_URL)');
  return ({ dir, record, logger }) => new RedisLauncher({ redisUrl: url, sessionDir: dir, record, logger });
}
