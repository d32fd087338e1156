/**
 * Everything a worker needs only once its assignment has named its role: the agent loop,
 * the model, the transcript, the prompts, the catalogue and the tools. runWorker imports
 * this module dynamically after it has sent `started`, so that none of it is loaded (or
 * compiled) on the way from spawn to `started`; a warm spare imports it while it idles.
 * In the compiled worker it is its own chunk (scripts/build-worker.mjs splits at import()).
 */
export { runAgentLoop } from '../agent/loop.js';
export { Transcript, resumableMessages } from '../agent/transcript.js';
export { createModel } from '../model/select.js';
export { workerSystemPrompt, workerTaskMessage } from '../prompts.js';
export { readCatalogue } from '../agents/snapshot.js';
export { loadAgentTools } from './tools.js';
