/**
 * Runs one tool call for the agent loop. It never throws: a missing tool, bad input, a
 * refusal (`ToolError`) or a crash all come back as an `isError` result the model can
 * read. Every result is bounded in size, and outside content is wrapped as untrusted.
 */
import { prettifyError, safeParse } from '../contracts/mini.js';
import { ToolError, describeError } from '../errors.js';
import { loadedTool } from './deferred.js';
import { DEFAULT_MAX_OUTPUT_CHARS, boundText, wrapUntrusted } from './output.js';
import type { SourcedToolOutput } from './output.js';
import type { Tool, ToolContext } from './types.js';

export interface ToolRunResult {
  content: string;
  isError: boolean;
  truncated: boolean;
}

function maxChars(ctx: ToolContext): number {
  const m = ctx.settings?.maxOutputChars;
  return typeof m === 'number' && Number.isFinite(m) && m > 0 ? m : DEFAULT_MAX_OUTPUT_CHARS;
}

function finish(text: string, isError: boolean, ctx: ToolContext): ToolRunResult {
  const b = boundText(text, maxChars(ctx));
  return { content: b.text, isError, truncated: b.truncated };
}

/** A short label for the untrusted wrapper when the tool did not name its source. */
function defaultSource(name: string, input: unknown): string {
  if (input && typeof input === 'object') {
    const rec = input as Record<string, unknown>;
    for (const key of ['path', 'url', 'query']) {
      if (typeof rec[key] === 'string') return `${name}: ${rec[key] as string}`;
    }
  }
  return name;
}

/**
 * Looks `name` up in `available` only (the worker's own role set), validates `input`
 * with the tool's zod schema, runs it and shapes the result.
 */
export async function runTool(
  available: Tool[],
  name: string,
  input: unknown,
  ctx: ToolContext,
): Promise<ToolRunResult> {
  const offered = available.find((t) => t.name === name);
  if (!offered) {
    const names = available.map((t) => t.name).join(', ') || '(none)';
    return finish(`tool "${name}" is not available to the ${ctx.role} role; available: ${names}`, true, ctx);
  }
  let tool: Tool;
  try {
    tool = await loadedTool(offered);
  } catch (err) {
    return finish(`tool ${name} could not be loaded: ${describeError(err)}`, true, ctx);
  }

  // zod's own safeParse, not the schema's method: a built-in tool's schema is zod/mini, a
  // user's may be classic, and both are zod 4 schemas.
  const parsed = safeParse(tool.input, input ?? {});
  if (!parsed.success) {
    return finish(`invalid input for tool ${name}:\n${prettifyError(parsed.error)}`, true, ctx);
  }

  const started = Date.now();
  let out: SourcedToolOutput;
  try {
    out = await tool.run(parsed.data, ctx);
  } catch (err) {
    const message = err instanceof ToolError ? err.message : `tool ${name} failed: ${describeError(err)}`;
    ctx.logger?.debug({ tool: name, ms: Date.now() - started, error: message }, 'tool error');
    // A refusal in our own words is returned as it is. One that quotes outside text, and any
    // crash (whose message may hold anything), is wrapped like outside content.
    if (err instanceof ToolError && !err.untrusted) return finish(message, true, ctx);
    const bounded = boundText(message, maxChars(ctx));
    return { content: wrapUntrusted(bounded.text, `${defaultSource(name, parsed.data)} (error)`), isError: true, truncated: bounded.truncated };
  }

  const bounded = boundText(String(out.content ?? ''), maxChars(ctx));
  const content = out.untrusted
    ? wrapUntrusted(bounded.text, out.source ?? defaultSource(name, parsed.data))
    : bounded.text;
  ctx.logger?.debug({ tool: name, ms: Date.now() - started, chars: content.length, truncated: bounded.truncated }, 'tool ok');
  return { content, isError: false, truncated: bounded.truncated };
}
