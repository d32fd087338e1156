/**
 * run_javascript: a real QuickJS sandbox. The guest sees no process, require or fetch;
 * an infinite loop and a memory bomb end at their limits; and the host (this test
 * process, standing in for the worker) carries on and serves the next call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxed, DEFAULT_SANDBOX_LIMITS } from '../../src/tools/analysis/sandbox.js';
import { toolsForAgent as toolsForRole } from '../../src/agents/builtin.js';
import { runTool } from '../../src/tools/run.js';
import { makeTempSession } from './helpers.js';
import type { TempSession } from './helpers.js';

const analysis = toolsForRole('analysis');
let s: TempSession;
const js = (code: string, jsTimeoutMs = 1_000) =>
  runTool(analysis, 'run_javascript', { code }, s.ctx('analysis', { jsTimeoutMs, jsMemoryLimitBytes: 16 * 1024 * 1024 }));

beforeAll(async () => {
  s = await makeTempSession();
});
afterAll(async () => {
  await s.cleanup();
});

describe('run_javascript', () => {
  it('returns console output and the last value as JSON', async () => {
    const r = await js('const xs = [3, 1, 2];\nconsole.log("sorted", xs.sort());\n({ sum: xs.reduce((a, b) => a + b, 0), max: Math.max(...xs) })');
    expect(r.isError).toBe(false);
    expect(r.content).toBe('console:\nsorted [1,2,3]\nresult:\n{\n  "sum": 6,\n  "max": 3\n}');
  });

  it('awaits a promise result', async () => {
    const r = await js('(async () => { await null; return [1, 2].map((x) => x * 21) })()');
    expect(r.content).toBe('result:\n[\n  21,\n  42\n]');
  });

  it('cannot reach process, require, fetch or any host object', async () => {
    const r = await js(
      '[typeof process, typeof require, typeof fetch, typeof globalThis.std, typeof globalThis.os, typeof Deno, typeof Bun, typeof XMLHttpRequest]',
    );
    expect(r.isError).toBe(false);
    expect(JSON.parse(r.content.replace(/^result:\n/, ''))).toEqual(Array(8).fill('undefined'));
    for (const code of ['process.exit(1)', 'require("fs").readFileSync("/etc/passwd", "utf8")', 'fetch("http://127.0.0.1/")']) {
      const attempt = await js(code);
      expect(attempt.isError, code).toBe(true);
      expect(attempt.content).toMatch(/run_javascript threw an error: ReferenceError: '(process|require|fetch)' is not defined/);
    }
    // Dynamic import has no module loader behind it.
    const imp = await js('import("fs").then(() => "loaded", (e) => "refused: " + e.message)');
    expect(imp.content).not.toContain('"loaded"');
  });

  it('reports a thrown error as a tool error with its stack', async () => {
    const r = await js('function parse(x) { throw new TypeError("bad input " + x) }\nparse(7)');
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/^run_javascript threw an error: TypeError: bad input 7\n\s+at parse \(input\.js/);
  });

  it('stops an infinite loop at the time limit, and the next call works', async () => {
    const started = Date.now();
    const r = await js('let i = 0; while (true) { i++ }', 500);
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/run_javascript stopped at the time limit \(500 ms\)/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await js('1 + 1')).content).toBe('result:\n2');
  });

  it('stops a memory bomb at the memory limit, and the next call works', async () => {
    const r = await js('const hoard = []; while (true) hoard.push(new Uint8Array(1024 * 1024))', 10_000);
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/run_javascript stopped at the memory limit \(16 MiB\): InternalError: out of memory/);
    const str = await js('let s = "x"; const keep = []; while (true) { s = s + s; keep.push(s) }', 10_000);
    expect(str.isError).toBe(true);
    expect(str.content).toMatch(/memory limit|string too long|out of memory/);
    expect((await js('[1, 2, 3].length')).content).toBe('result:\n3');
  });

  it('bounds typed arrays and flat strings by the memory limit too (issue 13, item 4)', async () => {
    const limits = { jsTimeoutMs: 10_000, jsMemoryLimitBytes: 32 * 1024 * 1024 };
    // 800 MB of typed arrays: QuickJS's heap limit alone let these through.
    const typed = await runTool(
      analysis,
      'run_javascript',
      { code: 'const keep = []; for (let i = 0; i < 100; i++) keep.push(new Uint8Array(8 * 1024 * 1024)); keep.length' },
      s.ctx('analysis', limits),
    );
    expect(typed.isError).toBe(true);
    expect(typed.content).toMatch(/run_javascript stopped at the memory limit \(32 MiB\)/);
    // A 256 MiB string, flattened by a search over it.
    const flat = await runTool(
      analysis,
      'run_javascript',
      { code: 'let s = "x"; for (let i = 0; i < 28; i++) s = s + s; s.indexOf("y")' },
      s.ctx('analysis', limits),
    );
    expect(flat.isError).toBe(true);
    expect(flat.content).toMatch(/memory limit|out of memory/);
    expect((await js('"still alive"')).content).toBe('result:\n"still alive"');
  });

  it('stops runaway recursion at the stack limit', async () => {
    const r = await js('function f(n) { return f(n + 1) + 1 }\nf(0)');
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/stack overflowed/);
  });

  it('kills a native operation that never yields, by terminating its thread', async () => {
    // One huge native call: the interrupt handler is never consulted while it runs.
    const started = Date.now();
    const out = await runSandboxed(
      'const a = []; while (true) a.push(new Array(100000).fill(1))',
      { ...DEFAULT_SANDBOX_LIMITS, timeoutMs: 300, memoryBytes: 256 * 1024 * 1024 },
    );
    expect(out.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await js('"still alive"')).content).toBe('result:\n"still alive"');
  });

  it('bounds console output', async () => {
    const r = await js('for (let i = 0; i < 20000; i++) console.log("line " + i); "done"', 5_000);
    expect(r.isError).toBe(false);
    expect(r.content).toContain('[console output cut at 10000 characters]');
    expect(r.content).toContain('result:\n"done"');
  });
});
