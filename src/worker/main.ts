/**
 * Worker process entry as an ES module: the compiled build (dist/worker/worker.mjs) and
 * the sources through tsx. What the worker does is in start.ts.
 */
import { startWorkerProcess } from './start.js';

startWorkerProcess(process.argv.slice(2));
