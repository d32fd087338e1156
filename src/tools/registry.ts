/**
 * The built-in tools, by the id an agent definition lists them under (`tools: [...]`). A
 * worker loads only its agent's tools, so a tool outside that set does not exist in its
 * process. The id is the name the model sees, except `workspace_read_file`: the
 * workspace-only `read_file` (research's `read_file` reads the source folder too).
 */
import type { ServerToolDefinition, ToolDefinition } from '../model/types.js';
import { describeData } from './analysis/describe-data.js';
import { runJavascript } from './analysis/run-javascript.js';
import { extractText } from './research/extract-text.js';
import { fetchUrl } from './research/fetch.js';
import { researchReadFile } from './research/read.js';
import { searchFiles } from './research/search.js';
import type { Tool } from './types.js';
import { workspaceEditFile } from './workspace/edit.js';
import { workspaceListFiles } from './workspace/list.js';
import { workspaceReadFile } from './workspace/read.js';
import { workspaceWriteFile } from './workspace/write.js';
import { formatDocument } from './writing/format.js';
import { getArtifact, listArtifacts, storeArtifact } from './shared/artifacts.js';
import { askCoordinator } from './shared/ask.js';
import { askHuman } from './shared/ask-human.js';
import { toToolJsonSchema } from '../contracts/json-schema.js';

// Tools are stored widened to `Tool` (their input type erased); runTool re-validates input.
const t = (tool: unknown): Tool => tool as Tool;

const BUILTIN_TOOLS: Readonly<Record<string, Tool>> = {
  search_files: t(searchFiles),
  read_file: t(researchReadFile),
  fetch_url: t(fetchUrl),
  extract_text: t(extractText),
  write_file: t(workspaceWriteFile),
  workspace_read_file: t(workspaceReadFile),
  list_files: t(workspaceListFiles),
  edit_file: t(workspaceEditFile),
  format_document: t(formatDocument),
  run_javascript: t(runJavascript),
  describe_data: t(describeData),
  store_artifact: t(storeArtifact),
  get_artifact: t(getArtifact),
  list_artifacts: t(listArtifacts),
  ask_coordinator: t(askCoordinator),
  ask_human: t(askHuman),
};

/**
 * Provider-run tools: Anthropic's server-side web search and web fetch. They are offered
 * only when the provider is Anthropic and the session enables them.
 */
const SERVER_TOOLS: Readonly<Record<string, ServerToolDefinition>> = {
  web_search: { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
  web_fetch: { type: 'web_fetch_20250910', name: 'web_fetch', max_uses: 5 },
};

/** Every built-in tool id (server tools included), for validating definitions. */
export function builtinToolIds(): string[] {
  return [...Object.keys(BUILTIN_TOOLS), ...Object.keys(SERVER_TOOLS)];
}

/** True for a provider-run tool id (`web_search`, `web_fetch`). */
export function isServerToolId(id: string): boolean {
  return Object.hasOwn(SERVER_TOOLS, id);
}

/** The built-in tool with this id, or undefined. */
export function builtinTool(id: string): Tool | undefined {
  return Object.hasOwn(BUILTIN_TOOLS, id) ? BUILTIN_TOOLS[id] : undefined;
}

/** The name the model sees for a built-in id (`workspace_read_file` is seen as `read_file`). */
export function modelNameOf(id: string): string {
  return builtinTool(id)?.name ?? SERVER_TOOLS[id]?.name ?? id;
}

/** The provider-run tools among `ids`, when the provider is Anthropic and they are enabled. */
export function serverToolsFor(ids: string[], opts: { provider: string; enabled: boolean }): ServerToolDefinition[] {
  if (opts.provider !== 'anthropic' || !opts.enabled) return [];
  return ids.filter(isServerToolId).map((id) => ({ ...SERVER_TOOLS[id]! }));
}

/** The definitions the model sees: name, description and the input schema as JSON Schema. */
export function toolDefinitions(tools: Tool[]): ToolDefinition[] {
  return tools.map((tool) => {
    if (tool.inputSchema) return { name: tool.name, description: tool.description, input_schema: tool.inputSchema };
    return { name: tool.name, description: tool.description, input_schema: toToolJsonSchema(tool.input) };
  });
}
