/**
 * Tool modules: ES modules that export tools made with `defineTool`, named in an agent
 * definition by path (`tools: [./tools/jira.ts]`). The worker imports them by specifier;
 * TypeScript goes through tsx's scoped loader, which works from the compiled worker too.
 */
import { pathToFileURL } from 'node:url';
import { MailroomError, describeError } from '../errors.js';
import type { Tool } from './types.js';
import { importModule } from '../util/import-module.js';

/** True for what `defineTool` makes: a name, a description, a zod schema and `run`. */
export function isTool(value: unknown): value is Tool {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<Tool>;
  return (
    typeof v.name === 'string' &&
    typeof v.description === 'string' &&
    typeof v.run === 'function' &&
    typeof (v.input as { safeParse?: unknown } | undefined)?.safeParse === 'function'
  );
}

/** Imports a tool module and returns every tool it exports (named exports, default, or arrays of them). */
export async function loadToolModule(file: string): Promise<Tool[]> {
  const url = pathToFileURL(file).href;
  let mod: Record<string, unknown>;
  try {
    if (/\.[mc]?tsx?$/.test(file)) {
      const { tsImport } = await importModule<typeof import('tsx/esm/api')>('tsx/esm/api');
      mod = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = await importModule(url);
    }
  } catch (err) {
    throw new MailroomError('E_TOOL_MODULE', `tool module ${file} failed to load: ${describeError(err)}`, { cause: err });
  }
  const tools: Tool[] = [];
  const seen = new Set<unknown>();
  const take = (v: unknown) => {
    if (isTool(v) && !seen.has(v)) {
      seen.add(v);
      tools.push(v);
    }
  };
  for (const value of Object.values(mod)) {
    if (Array.isArray(value)) value.forEach(take);
    else if (value && typeof value === 'object' && !isTool(value) && 'default' in value) {
      // tsx may hand a CommonJS-style namespace back with the exports under `default`.
      const inner = (value as { default: unknown }).default;
      if (Array.isArray(inner)) inner.forEach(take);
      else take(inner);
    } else take(value);
  }
  if (tools.length === 0) throw new MailroomError('E_TOOL_MODULE', `tool module ${file} exports no tool (make them with defineTool from mailroom)`);
  return tools;
}
