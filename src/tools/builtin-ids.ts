/**
 * The built-in tools by id, names only: the name the model sees and how to load the tool.
 * Nothing here imports a tool's code, so a worker loads exactly its agent's tools, each
 * from its own module (its own chunk in dist/worker), and validating an agent definition
 * loads none. registry.ts holds the same tools loaded (for callers that want them all);
 * test/tools/builtin-ids.test.ts checks that the two agree.
 */
import type { ServerToolDefinition } from '../model/types.js';
import type { Tool } from './types.js';

// Tools are stored widened to `Tool` (their input type erased); runTool re-validates input.
const t = (tool: unknown): Tool => tool as Tool;

interface BuiltinEntry {
  /** The name the model sees (`workspace_read_file` is seen as `read_file`). */
  name: string;
  load: () => Promise<Tool>;
}

const BUILTIN: Readonly<Record<string, BuiltinEntry>> = {
  search_files: { name: 'search_files', load: async () => t((await import('./research/search.js')).searchFiles) },
  read_file: { name: 'read_file', load: async () => t((await import('./research/read.js')).researchReadFile) },
  fetch_url: { name: 'fetch_url', load: async () => t((await import('./research/fetch.js')).fetchUrl) },
  extract_text: { name: 'extract_text', load: async () => t((await import('./research/extract-text.js')).extractText) },
  write_file: { name: 'write_file', load: async () => t((await import('./workspace/write.js')).workspaceWriteFile) },
  workspace_read_file: { name: 'read_file', load: async () => t((await import('./workspace/read.js')).workspaceReadFile) },
  list_files: { name: 'list_files', load: async () => t((await import('./workspace/list.js')).workspaceListFiles) },
  edit_file: { name: 'edit_file', load: async () => t((await import('./workspace/edit.js')).workspaceEditFile) },
  format_document: { name: 'format_document', load: async () => t((await import('./writing/format.js')).formatDocument) },
  run_javascript: { name: 'run_javascript', load: async () => t((await import('./analysis/run-javascript.js')).runJavascript) },
  describe_data: { name: 'describe_data', load: async () => t((await import('./analysis/describe-data.js')).describeData) },
  store_artifact: { name: 'store_artifact', load: async () => t((await import('./shared/artifacts.js')).storeArtifact) },
  get_artifact: { name: 'get_artifact', load: async () => t((await import('./shared/artifacts.js')).getArtifact) },
  list_artifacts: { name: 'list_artifacts', load: async () => t((await import('./shared/artifacts.js')).listArtifacts) },
  ask_coordinator: { name: 'ask_coordinator', load: async () => t((await import('./shared/ask.js')).askCoordinator) },
  ask_human: { name: 'ask_human', load: async () => t((await import('./shared/ask-human.js')).askHuman) },
};

/**
 * Provider-run tools: Anthropic's server-side web search and web fetch. They are offered
 * only when the provider is Anthropic and the session enables them.
 */
const SERVER_TOOLS: Readonly<Record<string, ServerToolDefinition>> = {
  web_search: { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
  web_fetch: { type: 'web_fetch_20250910', name: 'web_fetch', max_uses: 5 },
};

/** The ids of the built-in tools that run in the worker (server tools excluded). */
export function workerToolIds(): string[] {
  return Object.keys(BUILTIN);
}

/** Every built-in tool id (server tools included), for validating definitions. */
export function builtinToolIds(): string[] {
  return [...Object.keys(BUILTIN), ...Object.keys(SERVER_TOOLS)];
}

/** True for a provider-run tool id (`web_search`, `web_fetch`). */
export function isServerToolId(id: string): boolean {
  return Object.hasOwn(SERVER_TOOLS, id);
}

/** True for a built-in tool that runs in the worker. */
export function isWorkerToolId(id: string): boolean {
  return Object.hasOwn(BUILTIN, id);
}

/** Loads the built-in tool with this id (importing its module now), or undefined for an unknown id. */
export async function loadBuiltinTool(id: string): Promise<Tool | undefined> {
  return Object.hasOwn(BUILTIN, id) ? BUILTIN[id]!.load() : undefined;
}

/** The name the model sees for a built-in id (`workspace_read_file` is seen as `read_file`). */
export function modelNameOf(id: string): string {
  return (Object.hasOwn(BUILTIN, id) ? BUILTIN[id]!.name : undefined) ?? SERVER_TOOLS[id]?.name ?? id;
}

/** The provider-run tools among `ids`, when the provider is Anthropic and they are enabled. */
export function serverToolsFor(ids: string[], opts: { provider: string; enabled: boolean }): ServerToolDefinition[] {
  if (opts.provider !== 'anthropic' || !opts.enabled) return [];
  return ids.filter(isServerToolId).map((id) => ({ ...SERVER_TOOLS[id]! }));
}
