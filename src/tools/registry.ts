/**
 * The one tool registry: which tools each worker role loads. A worker loads only its
 * role's set (`toolsForRole`), so a tool outside that set does not exist in its process.
 * Tools that several roles share are the same `Tool` object; research's `read_file` is a
 * different object (it reads the source folder too) under the same name.
 */
import type { ServerToolDefinition, ToolDefinition } from '../model/types.js';
import { describeData } from './analysis/describe-data.js';
import { runJavascript } from './analysis/run-javascript.js';
import { extractText } from './research/extract-text.js';
import { fetchUrl } from './research/fetch.js';
import { researchReadFile } from './research/read.js';
import { searchFiles } from './research/search.js';
import { submitReview } from './review/submit.js';
import { ROLES } from './types.js';
import type { Role, Tool } from './types.js';
import { workspaceEditFile } from './workspace/edit.js';
import { workspaceListFiles } from './workspace/list.js';
import { workspaceReadFile } from './workspace/read.js';
import { workspaceWriteFile } from './workspace/write.js';
import { formatDocument } from './writing/format.js';
import { getArtifact, listArtifacts, storeArtifact } from './shared/artifacts.js';
import { askCoordinator } from './shared/ask.js';
import { toToolJsonSchema } from '../contracts/json-schema.js';

// Tools are stored widened to `Tool` (their input type erased); runTool re-validates input.
const t = (tool: unknown): Tool => tool as Tool;

/** Every role shares results through artifacts and may ask the coordinator a question. */
const SHARED: Tool[] = [t(storeArtifact), t(getArtifact), t(listArtifacts), t(askCoordinator)];

const ROLE_TOOLS: Record<Role, Tool[]> = {
  research: [t(searchFiles), t(researchReadFile), t(fetchUrl), t(extractText), ...SHARED],
  writing: [t(workspaceWriteFile), t(workspaceReadFile), t(workspaceListFiles), t(workspaceEditFile), t(formatDocument), ...SHARED],
  analysis: [t(runJavascript), t(describeData), t(workspaceReadFile), t(workspaceListFiles), ...SHARED],
  review: [t(workspaceReadFile), t(workspaceListFiles), t(submitReview), ...SHARED],
};

/** Each role's tool names, in the order the model sees them. */
export const ROLE_TOOL_NAMES: Record<Role, string[]> = Object.fromEntries(
  ROLES.map((role) => [role, ROLE_TOOLS[role].map((tool) => tool.name)]),
) as Record<Role, string[]>;

/** The tools of one role, and only those. */
export function toolsForRole(role: Role): Tool[] {
  const tools = ROLE_TOOLS[role];
  if (!tools) throw new TypeError(`unknown role "${String(role)}"`);
  return [...tools];
}

/** Every distinct tool object across all roles. */
export function allTools(): Tool[] {
  return [...new Set(ROLES.flatMap((role) => ROLE_TOOLS[role]))];
}

/** The definitions the model sees: name, description and the zod schema as JSON Schema. */
export function toolDefinitions(tools: Tool[]): ToolDefinition[] {
  return tools.map((tool) => {
    return { name: tool.name, description: tool.description, input_schema: toToolJsonSchema(tool.input) };
  });
}

/**
 * Provider-run tools for a role: Anthropic's server-side web search and web fetch for the
 * research role, when the provider is Anthropic and the session enables them.
 */
export function serverToolsForRole(role: Role, opts: { provider: string; enabled: boolean }): ServerToolDefinition[] {
  if (role !== 'research' || opts.provider !== 'anthropic' || !opts.enabled) return [];
  return [
    { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
    { type: 'web_fetch_20250910', name: 'web_fetch', max_uses: 5 },
  ];
}
