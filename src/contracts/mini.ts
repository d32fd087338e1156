/**
 * The zod the contracts are written in: zod/mini, for every contract a worker loads before
 * `started` (the envelope and its bodies, the session and agent records, the options, the
 * patterns' options, limits and usage). Building zod/mini's schemas skips the methods the
 * classic API attaches to every schema, and a worker builds all of these before it can say
 * `started`: measured, 20 ms less CPU at the fastest of 16 cold starts (bench 4). The
 * built-in tools' input schemas use it too, so a worker's first tool call does not load the
 * classic API (220 KiB). The rest of mailroom (agent files, the plan, the artifact tools)
 * keeps the classic API; both share zod's core.
 *
 * zod/mini sets no language for its error messages (the classic API sets English when it
 * loads), and a worker's dead-letter reasons come from here before anything loads the
 * classic API: so this module sets English, and the contracts take zod/mini from it.
 */
import { config, int, nonnegative, number, positive } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

// Taken as `import * as z from './mini.js'`, never through zod/mini's own `z` object:
// esbuild drops what a namespace import never names, but an imported `z` is a value it
// must keep whole, with all of zod/mini (43 KiB more in the worker's start chunks).
// scripts/build-worker.mjs keeps the rest of zod's core that zod/mini never uses out too.
export * from 'zod/mini';

// One instance each, shared: a zod schema is immutable (`.check()` and the wrappers make new
// ones), and the contracts name these some thirty times, each a schema and two checks that
// a worker built before `started`.
const POSITIVE_INT = number().check(int(), positive());
const NON_NEGATIVE_INT = number().check(int(), nonnegative());

/** A whole number above 0 (classic zod's `z.number().int().positive()`). */
export const positiveInt = () => POSITIVE_INT;
/** A whole number, 0 or more (classic zod's `z.number().int().nonnegative()`). */
export const nonNegativeInt = () => NON_NEGATIVE_INT;
