/**
 * The zod the contracts are written in: zod/mini, for every contract a worker loads before
 * `started` (the envelope and its bodies, the session and agent records, the options, the
 * patterns' options, limits and usage). Building zod/mini's schemas skips the methods the
 * classic API attaches to every schema, and a worker builds all of these before it can say
 * `started`: measured, 20 ms less CPU at the fastest of 16 cold starts (bench 4). The rest
 * of mailroom (tools, agent files, the plan) keeps the classic API; both share zod's core.
 *
 * zod/mini sets no language for its error messages (the classic API sets English when it
 * loads), and a worker's dead-letter reasons come from here before anything loads the
 * classic API: so this module sets English, and the contracts take `z` from it.
 */
import { z } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export { z };

/** A whole number above 0 (classic zod's `z.number().int().positive()`). */
export const positiveInt = () => z.number().check(z.int(), z.positive());
/** A whole number, 0 or more (classic zod's `z.number().int().nonnegative()`). */
export const nonNegativeInt = () => z.number().check(z.int(), z.nonnegative());
