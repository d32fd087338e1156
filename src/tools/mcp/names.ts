/** How MCP tools are named for the model: `mcp__<server>__<tool>`. */

/** The name the model sees for an MCP tool; characters the API does not allow become `_`. */
export function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
}
