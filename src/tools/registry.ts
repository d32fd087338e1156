/**
 * The built-in tools, by the id an agent definition lists them under (`tools: [...]`), all
 * loaded: for code that wants every tool at hand (built-in agents' tools without a session,
 * tests). A worker does not import this module: it loads only its agent's tools through the
 * names-only table (builtin-ids.ts), so a tool outside that set does not exist in its process. The id is the name the model sees, except `workspace_read_file`: the
 * workspace-only `read_file` (research's `read_file` reads the source folder too).
 */
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

export { builtinToolIds, isServerToolId, modelNameOf, serverToolsFor } from './builtin-ids.js';
export { toolDefinitions } from './definitions.js';

/** The built-in tool with this id, or undefined. */
export function builtinTool(id: string): Tool | undefined {
  return Object.hasOwn(BUILTIN_TOOLS, id) ? BUILTIN_TOOLS[id] : undefined;
}
