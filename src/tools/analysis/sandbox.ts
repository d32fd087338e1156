/**
 * A JavaScript sandbox on QuickJS compiled to WebAssembly (never node:vm). Each call runs
 * in its own worker thread with a fresh engine (see sandbox-thread.mjs):
 * - CPU time: the engine's interrupt handler stops the guest at the deadline; a native
 *   operation that never yields to the handler is stopped harder, by terminating the
 *   thread after a grace period;
 * - memory: the engine's heap limit; stack: the engine's stack limit;
 * - the worker's own event loop (heartbeats, mail) keeps running meanwhile, and a broken
 *   engine dies with its thread, so the worker survives any guest code.
 */
import { Worker } from 'node:worker_threads';

export interface SandboxLimits {
  /** CPU (wall) time for the guest, in ms. */
  timeoutMs: number;
  /** Heap limit of the guest runtime, in bytes. */
  memoryBytes: number;
  /** Stack limit of the guest, in bytes. */
  maxStackBytes: number;
  /** Console output kept, in characters; the rest is dropped with a note. */
  maxConsoleChars: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  timeoutMs: 2_000,
  memoryBytes: 32 * 1024 * 1024,
  maxStackBytes: 1024 * 1024,
  maxConsoleChars: 100_000,
};

/** Extra time, past the guest deadline, for a clean interrupt before the thread is killed. */
const HARD_GRACE_MS = 1_000;
/** Time allowed for the thread and engine to start (generous: the machine may be busy). */
const STARTUP_MS = 30_000;

export type SandboxOutcome =
  | { ok: true; console: string; result: string }
  | { ok: false; console: string; kind: 'timeout' | 'memory' | 'stack' | 'error' | 'cancelled'; message: string };

const THREAD_URL = new URL('./sandbox-thread.mjs', import.meta.url);

/** Runs `code` as a script; the value of its last expression is the result (awaited if a promise). */
export function runSandboxed(
  code: string,
  limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS,
  signal?: AbortSignal,
): Promise<SandboxOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(THREAD_URL, {
      workerData: { code, limits },
      // The guest heap lives in wasm memory; this only bounds the thread's own JS.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
      stdout: true,
      stderr: true,
      env: {},
      // The thread is plain JS: no TypeScript loader (tsx) needed, and none slows its start.
      execArgv: [],
    });
    // Emscripten prints aborts on the thread's stderr; drain both so they never block.
    worker.stdout.resume();
    worker.stderr.resume();
    const done = (outcome: SandboxOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(hard);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      resolve(outcome);
    };
    const kill = (): void =>
      done({
        ok: false,
        console: '',
        kind: 'timeout',
        message: `the code did not stop at the ${limits.timeoutMs} ms time limit and was killed`,
      });
    // Until the guest starts, only a start-up limit applies; then the hard deadline.
    let hard = setTimeout(
      () => done({ ok: false, console: '', kind: 'error', message: `the sandbox did not start within ${STARTUP_MS} ms` }),
      STARTUP_MS,
    );
    const onAbort = (): void => done({ ok: false, console: '', kind: 'cancelled', message: 'cancelled: the worker is stopping' });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: { type: 'started' } | ({ type: 'done' } & SandboxOutcome)) => {
      if (msg.type === 'started') {
        clearTimeout(hard);
        hard = setTimeout(kill, limits.timeoutMs + HARD_GRACE_MS);
        return;
      }
      const { type: _type, ...outcome } = msg;
      done(outcome as SandboxOutcome);
    });
    worker.once('error', (err) =>
      done({ ok: false, console: '', kind: /memory/i.test(err.message) ? 'memory' : 'error', message: `the sandbox failed: ${err.message}` }),
    );
    worker.once('exit', (code) =>
      done({ ok: false, console: '', kind: 'error', message: `the sandbox thread exited (code ${code}) without a result` }),
    );
  });
}
