/**
 * An MCP server's tools as mailroom tools: named `mcp__<server>__<tool>`, with the input
 * schema as the server gave it (less its `$schema` dialect tag). Every result is bounded and wrapped as untrusted
 * by runTool; a server error, a timeout or a crash comes back as a tool error.
 */
import { z } from 'zod';
import { ToolError, describeError } from '../../errors.js';
import { mcpToolName } from './names.js';
import type { Tool } from '../types.js';
import { wrapUntrusted } from '../output.js';
import type { McpConnection, McpToolInfo } from './client.js';

/** Arguments are checked by the server against its own schema; here only "an object". */
const ArgsSchema = z.record(z.string(), z.unknown());

/** A mailroom tool that calls `info` on the server behind `conn`. */
export function mcpTool(conn: McpConnection, info: McpToolInfo, timeoutMs: number): Tool {
  const name = mcpToolName(conn.server, info.name);
  // As the server gave it; only the `$schema` dialect tag goes, as for built-in tools.
  const { $schema: _dialect, ...given } = info.inputSchema;
  const schema = { type: 'object', ...given };
  return {
    name,
    description: info.description?.trim() || `The "${info.name}" tool of the MCP server "${conn.server}".`,
    input: ArgsSchema,
    inputSchema: schema,
    async run(input, ctx) {
      let result: Awaited<ReturnType<McpConnection['callTool']>>;
      try {
        result = await conn.callTool(info.name, input as Record<string, unknown>, { timeoutMs, signal: ctx.signal });
      } catch (err) {
        throw new ToolError(`MCP tool ${name} failed: ${describeError(err)}`, { cause: err });
      }
      const text = resultText(result);
      // The server's own error text is outside content too: wrapped, as a tool error.
      if (result.isError) throw new ToolError(`MCP tool ${name} returned an error:\n${wrapUntrusted(text.slice(0, 20_000), name)}`);
      return { content: text, untrusted: true, source: name };
    },
  };
}

type ContentItem = { type: string; text?: string; mimeType?: string; data?: string; uri?: string; name?: string; resource?: { uri?: string; text?: string; mimeType?: string; blob?: string } };

/** The result as text: text parts as they are, other parts described. */
export function resultText(result: { content?: unknown; structuredContent?: unknown; toolResult?: unknown }): string {
  const items = Array.isArray(result.content) ? (result.content as ContentItem[]) : [];
  const parts = items.map((c) => {
    switch (c.type) {
      case 'text':
        return c.text ?? '';
      case 'image':
      case 'audio':
        return `[${c.type}: ${c.mimeType ?? 'unknown type'}, ${Math.round(((c.data?.length ?? 0) * 3) / 4)} bytes, not shown]`;
      case 'resource':
        return c.resource?.text !== undefined ? `[resource ${c.resource.uri ?? ''}]\n${c.resource.text}` : `[binary resource ${c.resource?.uri ?? ''} (${c.resource?.mimeType ?? 'unknown type'}), not shown]`;
      case 'resource_link':
        return `[resource link: ${c.name ?? ''} ${c.uri ?? ''}]`;
      default:
        return `[${c.type} content, not shown]`;
    }
  });
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent, null, 2);
  if (parts.length === 0 && result.toolResult !== undefined) return JSON.stringify(result.toolResult, null, 2);
  return parts.join('\n');
}
