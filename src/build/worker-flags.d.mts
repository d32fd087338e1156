/** V8 flags of every worker (see worker-flags.mjs for what each one buys). */
export const WORKER_NODE_FLAGS: string[];
