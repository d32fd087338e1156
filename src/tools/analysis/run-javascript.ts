/** `run_javascript`: run model-written JavaScript in the QuickJS sandbox. */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { DEFAULT_MAX_OUTPUT_CHARS } from '../output.js';
import { defineTool } from '../types.js';
import { DEFAULT_SANDBOX_LIMITS, runSandboxed } from './sandbox.js';
import type { SandboxLimits } from './sandbox.js';

/** Largest program accepted, in characters. */
export const MAX_CODE_CHARS = 200_000;

function mib(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

export const runJavascript = defineTool({
  name: 'run_javascript',
  description:
    'Run JavaScript (ES2023) in an isolated QuickJS sandbox and return what it printed with ' +
    'console.log and the value of its last expression, as JSON (a returned promise is awaited). ' +
    'There is no file system, network, process, require or fetch: pass data in the code itself. ' +
    'Time and memory are limited (about 2 s and 32 MiB by default).',
  input: z.object({
    code: z.string().check(z.minLength(1), z.maxLength(MAX_CODE_CHARS), z.describe('The script; its last expression is the result')),
  }),
  async run(input, ctx) {
    const limits: SandboxLimits = {
      ...DEFAULT_SANDBOX_LIMITS,
      timeoutMs: ctx.settings.jsTimeoutMs ?? DEFAULT_SANDBOX_LIMITS.timeoutMs,
      memoryBytes: ctx.settings.jsMemoryLimitBytes ?? DEFAULT_SANDBOX_LIMITS.memoryBytes,
      // Console output may use half of the output bound, so the result always fits after it.
      maxConsoleChars: Math.min(
        DEFAULT_SANDBOX_LIMITS.maxConsoleChars,
        Math.floor((ctx.settings.maxOutputChars || DEFAULT_MAX_OUTPUT_CHARS) / 2),
      ),
    };
    const out = await runSandboxed(input.code, limits, ctx.signal);
    const consoleBlock = out.console ? `console:\n${out.console}\n` : '';
    if (out.ok) return { content: `${consoleBlock}result:\n${out.result}` };
    const why: Record<typeof out.kind, string> = {
      timeout: `stopped at the time limit (${limits.timeoutMs} ms)`,
      memory: `stopped at the memory limit (${mib(limits.memoryBytes)})`,
      stack: 'stopped: the stack overflowed (too deep recursion?)',
      cancelled: 'cancelled',
      error: 'threw an error',
    };
    throw new ToolError(`run_javascript ${why[out.kind]}: ${out.message}${consoleBlock ? `\n${consoleBlock}` : ''}`, {
      code: out.kind === 'error' ? 'E_JS_ERROR' : `E_JS_${out.kind.toUpperCase()}`,
    });
  },
});
