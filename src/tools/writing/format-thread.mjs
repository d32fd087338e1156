// @ts-check
/**
 * The body of one format_document call, in a worker thread (see ../thread.ts and
 * format.ts): prettier's Markdown parser stalls for many seconds on pathological input
 * (thousands of `[`), so it never runs on the worker's main thread. Plain JavaScript on
 * purpose: a thread loads it with no TypeScript loader.
 *
 * workerData: { text: string, printWidth: number }
 * Posts one message: { type: 'done', value: { ok: true, text } | { ok: false, message } }.
 */
import { parentPort, workerData } from 'node:worker_threads';

async function main() {
  const [{ format }, markdownPlugin] = await Promise.all([import('prettier/standalone'), import('prettier/plugins/markdown')]);
  try {
    const text = await format(workerData.text, {
      parser: 'markdown',
      plugins: [markdownPlugin],
      proseWrap: 'preserve',
      printWidth: workerData.printWidth,
    });
    return { ok: true, text };
  } catch (err) {
    return { ok: false, message: /** @type {Error} */ (err).message };
  }
}

main().then((value) => parentPort?.postMessage({ type: 'done', value }));
