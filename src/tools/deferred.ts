/**
 * A built-in tool offered to the model before its module is loaded. The compiled worker
 * ships the built-in tools' definitions (name, description, JSON Schema) computed at build
 * time (manifest.ts), so its first model call needs none of the tools' code. A tool's code
 * (its zod schema, minisearch, the HTML and text helpers: about 35 ms of CPU for a research
 * worker's tools) loads when the model first calls it, and an agent that answers without a
 * tool never loads it. It is not loaded in the background during the first model call:
 * in a session whose workers start together, that call overlaps the other workers' starts,
 * and the load would take their CPU just the same.
 */
import type { ToolDefinition } from '../model/types.js';
import type { Tool } from './types.js';

const LOAD = Symbol('mailroom.deferredTool.load');

type Deferred = Tool & { [LOAD]: () => Promise<Tool> };

function isDeferred(tool: Tool): tool is Deferred {
  return LOAD in tool;
}

/**
 * A tool with `definition` that loads its code with `load` on first use (once). Its
 * `input` schema exists only once loaded: take the tool through `loadedTool` first.
 */
export function deferredTool(definition: ToolDefinition, load: () => Promise<Tool | undefined>): Tool {
  let loading: Promise<Tool> | undefined;
  const loaded = (): Promise<Tool> =>
    (loading ??= load().then((tool) => {
      if (tool?.name !== definition.name) throw new Error(`the module of tool ${definition.name} gave ${tool ? `a tool named ${tool.name}` : 'no tool'}`);
      return tool;
    }));
  const tool: Deferred = {
    name: definition.name,
    description: definition.description,
    inputSchema: definition.input_schema,
    get input(): never {
      throw new Error(`tool ${definition.name} is not loaded yet: take it through loadedTool()`);
    },
    run: async (input, ctx) => (await loaded()).run(input, ctx),
    [LOAD]: loaded,
  };
  return tool;
}

/** The tool with its code: a deferred tool once its module has loaded, any other as it is. */
export async function loadedTool(tool: Tool): Promise<Tool> {
  return isDeferred(tool) ? tool[LOAD]() : tool;
}
