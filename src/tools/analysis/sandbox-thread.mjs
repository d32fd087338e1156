// @ts-check
/**
 * The body of one run_javascript call, run in a worker thread (see sandbox.ts). It is plain
 * JavaScript on purpose: a worker thread loads it with no TypeScript loader, under node,
 * tsx and vitest alike. The guest runs in QuickJS compiled to WebAssembly: it has no fs,
 * network, process or require, because the engine has none and none are added here.
 *
 * workerData: { code: string, limits: { timeoutMs, memoryBytes, maxStackBytes, maxConsoleChars } }
 * Posts { type: 'started' } just before the guest runs, then one result (see ../thread.ts):
 * { type: 'done', value: { ok: true, console, result } | { ok: false, console, kind, message } }.
 *
 * Memory: QuickJS's own heap limit does not count every allocation (typed arrays and big
 * strings got past it: upstream quickjs-emscripten #255, #271), so the engine also gets a
 * WebAssembly memory with a fixed maximum: the heap limit plus room for the engine. When
 * the guest needs more, malloc fails inside the engine and the guest sees "out of memory".
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RELEASE_SYNC, newQuickJSWASMModule, newVariant } from 'quickjs-emscripten';

/** WebAssembly page size. */
const PAGE = 65536;
/** Room for the engine itself (code, stack, runtime tables) beyond the guest heap limit. */
const ENGINE_BYTES = 16 * 1024 * 1024;

const { code, limits } = workerData;
let consoleText = '';
let consoleDropped = false;
let interrupted = false;

function consoleOut() {
  return consoleDropped ? `${consoleText}\n[console output cut at ${limits.maxConsoleChars} characters]` : consoleText;
}

/** @param {unknown} value */
function toJson(value) {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** @param {unknown} err */
function classify(err) {
  const e = /** @type {{ name?: string, message?: string, stack?: string }} */ (err ?? {});
  const text = typeof err === 'object' && err !== null ? `${e.name ?? 'Error'}: ${e.message ?? String(err)}` : String(err);
  const msg = e.message ?? String(err);
  if (interrupted || /interrupted/i.test(msg)) return { kind: 'timeout', message: text };
  if (/out of memory/i.test(msg)) return { kind: 'memory', message: text };
  if (/stack overflow|call stack/i.test(msg)) return { kind: 'stack', message: text };
  // QuickJS stacks look like "    at f (input.js:3)"; keep them, they locate the bug.
  const stack = typeof e.stack === 'string' && e.stack.trim() ? `\n${e.stack.trimEnd()}` : '';
  return { kind: 'error', message: `${text}${stack}` };
}

/** @param {Record<string, unknown>} outcome */
function finish(outcome) {
  parentPort?.postMessage({ type: 'done', value: { console: consoleOut(), ...outcome } });
}

async function main() {
  const maximum = Math.ceil((limits.memoryBytes + ENGINE_BYTES) / PAGE);
  const wasmMemory = new WebAssembly.Memory({ initial: Math.min(256, maximum), maximum });
  const QuickJS = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory }));
  const deadline = Date.now() + limits.timeoutMs;
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(limits.maxStackBytes);
  runtime.setInterruptHandler(() => {
    if (Date.now() > deadline) interrupted = true;
    return interrupted;
  });
  const vm = runtime.newContext();

  /** @param {import('quickjs-emscripten').QuickJSHandle} h */
  const show = (h) => {
    if (vm.typeof(h) === 'string') return vm.getString(h);
    const v = vm.dump(h);
    if (typeof v === 'string') return v;
    if (v === undefined) return 'undefined';
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  };
  const consoleObj = vm.newObject();
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    const fn = vm.newFunction(level, (...args) => {
      if (consoleDropped) return;
      const line = (level === 'log' || level === 'info' ? '' : `[${level}] `) + args.map(show).join(' ');
      if (consoleText.length + line.length + 1 > limits.maxConsoleChars) {
        consoleDropped = true;
        return;
      }
      consoleText += (consoleText ? '\n' : '') + line;
    });
    vm.setProp(consoleObj, level, fn);
    fn.dispose();
  }
  vm.setProp(vm.global, 'console', consoleObj);
  consoleObj.dispose();

  // The host starts its hard deadline now, so engine start-up never eats the guest's time.
  parentPort?.postMessage({ type: 'started' });
  const evaluated = vm.evalCode(code, 'input.js');
  if (evaluated.error) {
    const err = vm.dump(evaluated.error);
    return finish({ ok: false, ...classify(err) });
  }
  let handle = evaluated.value;
  // Settle a promise result by running the job queue; the interrupt handler bounds it.
  for (;;) {
    const state = vm.getPromiseState(handle);
    if (state.type === 'fulfilled') {
      if (!state.notAPromise) handle = state.value;
      break;
    }
    if (state.type === 'rejected') return finish({ ok: false, ...classify(vm.dump(state.error)) });
    const jobs = runtime.executePendingJobs();
    if (jobs.error) return finish({ ok: false, ...classify(vm.dump(jobs.error)) });
    if (jobs.value === 0) {
      return finish({ ok: false, kind: 'error', message: 'the result is a promise that never settles' });
    }
  }
  finish({ ok: true, result: toJson(vm.dump(handle)) });
  // The runtime is not disposed: the thread ends right after, and the whole wasm instance
  // goes with it. (Disposing after a guest error can trip QuickJS's leak assertion.)
}

main().catch((err) => finish({ ok: false, ...classify(err) }));
