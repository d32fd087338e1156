/**
 * The built-in catalogue (the four agents shipped as files in `built-in/`), and the
 * built-in tools of one agent. Used when a session has no catalogue of its own (an older
 * session folder) and by code that needs a built-in agent's tools without a session.
 */
import { builtinTool } from '../tools/registry.js';
import type { Tool } from '../tools/types.js';
import { findAgent, loadCatalogue, type AgentCatalogue } from './catalogue.js';
import { outputToolOf } from './output-tool.js';
import { parseToolSpec } from './tool-spec.js';

let cached: AgentCatalogue | undefined;

/** Only the built-in agents, with no MCP servers. */
export function builtinCatalogue(): AgentCatalogue {
  // An empty home and source folder: nothing but the files shipped in the package.
  cached ??= loadCatalogue({ sourceRoot: '/nonexistent-mailroom-source', homeDir: '/nonexistent-mailroom-home', mcpServers: {} });
  return cached;
}

/**
 * The in-process tools of a built-in agent: its built-in tools and its output tool, in
 * the order its file lists them (the output tool last). MCP tools and modules need a worker.
 */
export function toolsForAgent(name: string): Tool[] {
  const def = findAgent(builtinCatalogue(), name);
  if (!def) throw new TypeError(`unknown built-in agent "${name}"`);
  const tools: Tool[] = [];
  for (const entry of def.tools ?? []) {
    const spec = parseToolSpec(entry);
    const tool = spec.kind === 'builtin' ? builtinTool(spec.id) : undefined;
    if (tool) tools.push(tool);
  }
  const out = outputToolOf(def);
  return out ? [...tools, out] : tools;
}
