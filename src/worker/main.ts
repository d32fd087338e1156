/**
 * Worker process entry (process.ts is the worker itself). It sets zod's configuration
 * before any schema is built, then loads the rest: a dynamic import, because static ones
 * would all be evaluated (and the contracts' schemas built) before this module's body.
 *
 * Why `jitless`: a worker parses each of its object schemas a few times (its records, its
 * envelopes, its tools' inputs), so zod's fast parsers, compiled with `new Function` on a
 * schema's first parse, cost it more than they save: about 5 ms of CPU on a cold worker's
 * way to `started` (bench 4). The coordinator, which parses every message of a session,
 * keeps them (contracts/parse-once.ts turns them off for its one-off parses).
 */
import { config } from 'zod';

config({ jitless: true });
await import('./process.js');
