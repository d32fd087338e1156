/**
 * A JavaScript sandbox on QuickJS compiled to WebAssembly (never node:vm). Each call runs
 * in its own worker thread with a fresh engine (see sandbox-thread.mjs):
 * - CPU time: the engine's interrupt handler stops the guest at the deadline; a native
 *   operation that never yields to the handler is stopped harder, by terminating the
 *   thread after a grace period;
 * - memory: the engine's heap limit, and a WebAssembly memory of fixed maximum size (the
 *   heap limit alone misses typed arrays and big strings); stack: the engine's stack limit;
 * - the worker's own event loop (heartbeats, mail) keeps running meanwhile, and a broken
 *   engine dies with its thread, so the worker survives any guest code.
 */
import { runInThread } from '../thread.js';

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
export async function runSandboxed(
  code: string,
  limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS,
  signal?: AbortSignal,
): Promise<SandboxOutcome> {
  const out = await runInThread<SandboxOutcome>(THREAD_URL, { code, limits }, {
    // The guest stops itself at its deadline (interrupt handler); the thread is killed only
    // when a native operation never yields to the handler.
    timeoutMs: limits.timeoutMs + HARD_GRACE_MS,
    startupMs: STARTUP_MS,
    // The guest heap lives in wasm memory (bounded in the thread); this bounds the thread's own JS.
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    signal,
  });
  if (out.ok) return out.value;
  if (out.kind === 'cancelled') return { ok: false, console: '', kind: 'cancelled', message: out.message };
  if (out.kind === 'timeout' && /did not start/.test(out.message)) {
    return { ok: false, console: '', kind: 'error', message: `the sandbox failed: ${out.message}` };
  }
  if (out.kind === 'timeout') {
    return { ok: false, console: '', kind: 'timeout', message: `the code did not stop at the ${limits.timeoutMs} ms time limit and was killed` };
  }
  return { ok: false, console: '', kind: out.kind, message: `the sandbox failed: ${out.message}` };
}
