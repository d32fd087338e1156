/**
 * The entries of an agent's `tools` list: a built-in tool id, `mcp__<server>__<tool>`,
 * `mcp__<server>` (every tool of that server), or the path of a tool module.
 */
export { mcpToolName } from '../tools/mcp/names.js';
export type ToolSpec =
  | { kind: 'builtin'; id: string }
  | { kind: 'mcp'; server: string; tool?: string }
  | { kind: 'module'; path: string };

/** True when an entry names a tool module rather than a tool: a path, or a file with a JS/TS extension. */
export function isModuleSpecifier(entry: string): boolean {
  return /^(?:\.{1,2}[\\/]|\/|file:)/.test(entry) || /\.(?:m?[jt]s|c[jt]s|tsx|jsx)$/.test(entry);
}

/** Reads one entry. MCP server names contain no `__`, so the first `__` after the prefix splits. */
export function parseToolSpec(entry: string): ToolSpec {
  if (entry.startsWith('mcp__')) {
    const rest = entry.slice('mcp__'.length);
    const at = rest.indexOf('__');
    return at < 0 ? { kind: 'mcp', server: rest } : { kind: 'mcp', server: rest.slice(0, at), tool: rest.slice(at + 2) };
  }
  if (isModuleSpecifier(entry)) return { kind: 'module', path: entry };
  return { kind: 'builtin', id: entry };
}

/** True when a tool-list pattern (`mcp__s`, `mcp__s__t`, or a plain name) covers this tool name. */
export function patternCovers(pattern: string, toolName: string): boolean {
  if (pattern === toolName) return true;
  return pattern.startsWith('mcp__') && !pattern.slice(5).includes('__') && toolName.startsWith(`${pattern}__`);
}
