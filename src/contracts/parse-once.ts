/**
 * Parse options for a value parsed once per process: a record read at start, a schema's
 * default. On an object schema's first parse zod compiles a fast parser for it (with `new
 * Function`), which pays off over many parses (the mailbox's envelopes) and costs more
 * than it saves for one: on a worker's way to `started`, about 15 ms of CPU (bench 4).
 */
export const PARSED_ONCE = { jitless: true } as const;
