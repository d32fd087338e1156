/**
 * The built-in tools' definitions as the model sees them, computed once at build time into
 * `tool-manifest.json` beside the compiled worker (scripts/build-worker.mjs), so that a
 * compiled worker can offer its tools without importing them (deferred.ts says why). Under
 * tsx there is no such file, and the tools load before the first model call, as before.
 * dist/worker is used only while it is newer than every source file, and the manifest is
 * written by the same build, so it never describes other code than the worker runs.
 */
import fs from 'node:fs';
import type { ToolDefinition } from '../model/types.js';
import { loadBuiltinTool, workerToolIds } from './builtin-ids.js';

/** The manifest's file name, beside the compiled worker's chunks. */
export const TOOL_MANIFEST_FILE = 'tool-manifest.json';

/** By built-in tool id. */
export type ToolManifest = Readonly<Record<string, ToolDefinition>>;

let read: ToolManifest | null | undefined;

function isDefinition(value: unknown): value is ToolDefinition {
  const v = value as Partial<ToolDefinition> | null;
  return typeof v?.name === 'string' && typeof v.description === 'string' && typeof v.input_schema === 'object' && v.input_schema !== null;
}

/** The build's manifest, or undefined where there is none (tsx) or it does not parse. */
export function builtinToolManifest(): ToolManifest | undefined {
  if (read === undefined) {
    read = null;
    try {
      const parsed = JSON.parse(fs.readFileSync(new URL(`./${TOOL_MANIFEST_FILE}`, import.meta.url), 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && Object.values(parsed).every(isDefinition)) read = parsed as ToolManifest;
    } catch {
      // No manifest: the tools are loaded to learn their definitions.
    }
  }
  return read ?? undefined;
}

/** Every built-in worker tool's definition, by id, from the tools themselves (what the build writes). */
export async function computeToolManifest(): Promise<ToolManifest> {
  // Imported here, not above: the worker reads the manifest without zod's classic API.
  const { toolDefinitions } = await import('./definitions.js');
  const out: Record<string, ToolDefinition> = {};
  for (const id of workerToolIds()) {
    const tool = await loadBuiltinTool(id);
    if (tool) out[id] = toolDefinitions([tool])[0]!;
  }
  return out;
}
