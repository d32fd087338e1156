/**
 * Runs one CPU-heavy job in its own worker thread, bounded in time and memory, so that a
 * tool never blocks the worker's event loop (heartbeats, mail). Shared by the JavaScript
 * sandbox, HTML extraction, `describe_data` and `format_document`.
 *
 * Thread entry files are plain `.mjs` (`*-thread.mjs`): a thread starts with no TypeScript
 * loader under node, tsx and vitest alike, and scripts/build-worker.mjs copies every such
 * file beside the compiled worker, so `new URL('./x-thread.mjs', import.meta.url)` resolves
 * in both layouts. The protocol: the thread may post `{ type: 'started' }` once its
 * libraries are loaded (see `startupMs`), then posts `{ type: 'done', value }` with its result.
 */
import type { ResourceLimits, Worker } from 'node:worker_threads';

/** Why a thread gave no value. */
export type ThreadFailure = 'timeout' | 'memory' | 'error' | 'cancelled';

export type ThreadOutcome<T> = { ok: true; value: T } | { ok: false; kind: ThreadFailure; message: string };

export interface ThreadLimits {
  /**
   * Time for the job, in ms; then the thread is terminated. Counted from the thread's
   * creation, start-up included, unless `startupMs` is given.
   */
  timeoutMs: number;
  /**
   * When given, a separate allowance for the thread to start and load its libraries, and
   * `timeoutMs` starts only when the thread reports `started` (the sandbox does this, so
   * engine start-up on a busy machine never eats the guest's time).
   */
  startupMs?: number;
  /** V8 heap limits of the thread; going over them ends the thread with kind `memory`. */
  resourceLimits?: ResourceLimits;
  /** Aborting it terminates the thread at once (kind `cancelled`). */
  signal?: AbortSignal | undefined;
}

/** Default heap bound for a parsing thread. */
export const DEFAULT_THREAD_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 };

/** Runs the thread script at `url` with `data` as its workerData; never rejects. */
export function runInThread<T>(url: URL, data: unknown, limits: ThreadLimits): Promise<ThreadOutcome<T>> {
  return new Promise((resolve) => {
    let settled = false;
    let worker: Worker;
    try {
      // node:worker_threads is loaded by the first thread, not with the tools that may start one (util/ids.ts says why).
      const { Worker } = process.getBuiltinModule('node:worker_threads');
      worker = new Worker(url, {
        workerData: data,
        resourceLimits: limits.resourceLimits ?? DEFAULT_THREAD_RESOURCE_LIMITS,
        stdout: true,
        stderr: true,
        env: {},
        // Plain JS: no TypeScript loader needed, and none slows the thread's start.
        execArgv: [],
      });
    } catch (err) {
      resolve({ ok: false, kind: 'error', message: `could not start a thread: ${(err as Error).message}` });
      return;
    }
    // Libraries (emscripten, parsers) may print on the thread's stdio; drain it so it never blocks.
    worker.stdout.resume();
    worker.stderr.resume();
    const startupMs = limits.startupMs;
    const done = (outcome: ThreadOutcome<T>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      resolve(outcome);
    };
    const overTime = (): void => done({ ok: false, kind: 'timeout', message: `stopped at the time limit (${limits.timeoutMs} ms)` });
    let timer =
      startupMs === undefined
        ? setTimeout(overTime, limits.timeoutMs)
        : setTimeout(() => done({ ok: false, kind: 'timeout', message: `the thread did not start within ${startupMs} ms` }), startupMs);
    const onAbort = (): void => done({ ok: false, kind: 'cancelled', message: 'cancelled: the worker is stopping' });
    if (limits.signal?.aborted) onAbort();
    else limits.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: { type: 'started' } | { type: 'done'; value: T }) => {
      if (msg?.type === 'started') {
        if (startupMs === undefined) return;
        clearTimeout(timer);
        timer = setTimeout(overTime, limits.timeoutMs);
      } else if (msg?.type === 'done') {
        done({ ok: true, value: msg.value });
      }
    });
    worker.once('error', (err: Error & { code?: string }) => {
      const memory = err.code === 'ERR_WORKER_OUT_OF_MEMORY' || /memory/i.test(err.message);
      done({ ok: false, kind: memory ? 'memory' : 'error', message: `the thread failed: ${err.message}` });
    });
    worker.once('exit', (code) => done({ ok: false, kind: 'error', message: `the thread exited (code ${code}) without a result` }));
  });
}
