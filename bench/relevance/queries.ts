/**
 * The relevance bench's labeled queries over `bench/fixtures/relevance` (a small order
 * service: code, docs, and the tests, fixtures, lockfile and generated file that a search
 * should leave out). Relevance was judged by hand, by meaning: a file is relevant when a
 * person asking the query would want to read it; its line ranges (1-based, inclusive) mark
 * the passages that answer the query. `true` marks a whole file as on topic.
 */

export type LineRanges = Array<[number, number]> | true;

export interface LabeledQuery {
  query: string;
  /** Relevant files (paths relative to the fixture root) and their relevant lines. */
  relevant: Record<string, LineRanges>;
}

export const QUERIES: LabeledQuery[] = [
  {
    query: 'how does the code handle errors',
    relevant: {
      'src/errors.ts': true,
      'src/middleware/error-handler.ts': true,
      'docs/errors.md': [[1, 18], [25, 29]],
      'README.md': [[24, 28]],
    },
  },
  {
    query: 'retry with exponential backoff',
    relevant: {
      'src/retry.ts': true,
      'docs/errors.md': [[20, 23]],
      'src/queue/worker.ts': [[1, 5], [25, 41]],
      'docs/architecture.md': [[9, 13]],
    },
  },
  {
    query: 'log level',
    relevant: {
      'src/logger.ts': [[1, 16]],
      'docs/configuration.md': [[12, 12], [17, 20]],
      'src/config.ts': [[27, 32]],
    },
  },
  {
    query: 'database connection pool size',
    relevant: {
      'src/db/pool.ts': true,
      'docs/configuration.md': [[10, 11], [22, 25]],
      'src/config.ts': [[7, 15], [33, 37]],
    },
  },
  {
    query: 'rate limiting per client',
    relevant: {
      'src/rate-limit.ts': true,
      'docs/configuration.md': [[14, 14]],
      'src/server.ts': [[18, 29]],
    },
  },
  {
    query: 'password hashing',
    relevant: { 'src/auth/password.ts': true },
  },
  {
    query: 'session token expiry',
    relevant: {
      'src/auth/session.ts': true,
      'docs/configuration.md': [[15, 15]],
    },
  },
  {
    query: 'cache eviction ttl',
    relevant: {
      'src/cache.ts': true,
      'docs/architecture.md': [[15, 18]],
      'docs/configuration.md': [[13, 13]],
    },
  },
  {
    query: 'parseConfig environment variables',
    relevant: {
      'src/config.ts': true,
      'docs/configuration.md': [[1, 15]],
      'README.md': [[15, 22]],
    },
  },
  {
    query: 'background job queue worker',
    relevant: {
      'src/queue/worker.ts': true,
      'docs/architecture.md': [[9, 13]],
      'src/orders.ts': [[1, 4], [27, 38]],
    },
  },
  {
    query: 'database migrations',
    relevant: {
      'src/db/migrations.ts': true,
      'docs/deployment.md': [[9, 14]],
    },
  },
  {
    query: 'graceful shutdown on SIGTERM',
    relevant: {
      'src/server.ts': [[1, 4], [15, 16], [31, 43]],
      'docs/deployment.md': [[16, 20]],
      'src/queue/worker.ts': [[43, 56]],
    },
  },
  {
    query: 'request_id correlation',
    relevant: {
      'src/middleware/request-id.ts': true,
      'src/logger.ts': [[18, 32]],
    },
  },
  {
    query: 'slugify',
    relevant: { 'src/utils/strings.ts': [[1, 11]] },
  },
  {
    query: 'order validation',
    relevant: {
      'src/orders.ts': [[1, 25]],
      'src/errors.ts': [[40, 45]],
    },
  },
  {
    query: 'wrapDbError',
    relevant: {
      'src/errors.ts': [[47, 58]],
      'src/orders.ts': [[5, 5], [27, 47]],
      'docs/errors.md': [[14, 15]],
    },
  },
  // The same topics asked the way people ask: inflected words ("handles", "hashes",
  // "expired", "retries") must find the code that says "handle", "hash", "expiry", "retry".
  {
    query: 'handles errors',
    relevant: {
      'src/errors.ts': true,
      'src/middleware/error-handler.ts': true,
      'docs/errors.md': [[1, 18], [25, 29]],
      'README.md': [[24, 28]],
    },
  },
  {
    query: 'hashes passwords',
    relevant: { 'src/auth/password.ts': true },
  },
  {
    query: 'expired sessions',
    relevant: {
      'src/auth/session.ts': true,
      'docs/configuration.md': [[15, 15]],
    },
  },
  {
    query: 'retries failed jobs',
    relevant: {
      'src/queue/worker.ts': [[1, 5], [25, 41]],
      'docs/architecture.md': [[9, 13]],
    },
  },
];
