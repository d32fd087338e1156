/**
 * Parse options for a value parsed once per process: a record read at start, a schema's
 * default. On an object schema's first parse zod compiles a fast parser for it (with `new
 * Function`), which pays off over many parses (the mailbox's envelopes) and costs more
 * than it saves for one: about 7 ms of CPU on a cold worker's way to `started` (bench 4).
 * Envelopes keep the fast parsers: zod off them everywhere (z.config) was measured too,
 * and saved 5 ms more of a cold start but cost an idle worker 1.9 MB more memory.
 */
export const PARSED_ONCE = { jitless: true } as const;
