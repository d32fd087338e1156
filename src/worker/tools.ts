/**
 * Loads exactly one agent's tools into this worker process: its built-in tools, the tools
 * of its tool modules, the tools of the MCP servers it names (connected here, in this
 * process, and nowhere else), minus its disallowed tools, plus its output tool. A server
 * that fails to start fails the worker with a reason naming the server.
 */
import type { Logger } from 'pino';
import type { AgentCatalogue } from '../agents/catalogue.js';
import type { AgentDefinition } from '../agents/schema.js';
import { parseToolSpec, patternCovers } from '../agents/tool-spec.js';
import { MailroomError, McpServerError } from '../errors.js';
import type { ServerToolDefinition, ToolDefinition } from '../model/types.js';
import type { McpConnection } from '../tools/mcp/client.js';
import { mcpToolName } from '../tools/mcp/names.js';
import { deferredTool } from '../tools/deferred.js';
import { builtinToolManifest } from '../tools/manifest.js';
import { loadToolModule } from '../tools/modules.js';
import { isWorkerToolId, loadBuiltinTool, serverToolsFor } from '../tools/builtin-ids.js';
import type { Tool } from '../tools/types.js';

export interface AgentTools {
  tools: Tool[];
  /** What the model is sent of `tools`, one definition each, in the same order. */
  definitions: ToolDefinition[];
  serverTools: ServerToolDefinition[];
  /** The output tool's name, when the agent has an outputSchema: a valid call ends the loop. */
  outputTool?: string;
  /** Closes every MCP connection (and so ends every stdio server). */
  close(): Promise<void>;
}

export interface LoadToolsOptions {
  provider: string;
  serverToolsEnabled: boolean;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export async function loadAgentTools(def: AgentDefinition, catalogue: Pick<AgentCatalogue, 'mcpServers' | 'mcpOrigin'>, opts: LoadToolsOptions): Promise<AgentTools> {
  // No `tools` list: every tool of the servers it names.
  const entries = def.tools ?? def.mcpServers.map((s) => `mcp__${s}`);
  const denied = (name: string, id?: string) => def.disallowedTools.some((p) => patternCovers(p, name) || (id !== undefined && p === id));
  const connections: McpConnection[] = [];
  const close = async () => {
    await Promise.allSettled(connections.map((c) => c.close()));
  };

  try {
    // One slot per entry, so the model sees the tools in the order the definition lists them.
    const slots: Tool[][] = entries.map(() => []);
    const serverIds: string[] = [];
    const mcpWanted = new Map<string, Array<{ pattern: string; slot: number }>>();
    const manifest = builtinToolManifest();
    for (const [i, entry] of entries.entries()) {
      const spec = parseToolSpec(entry);
      if (spec.kind === 'builtin') {
        // Only the tools this agent lists are imported (each from its own module); in the
        // compiled worker, only when the model first calls the tool (tools/deferred.ts).
        const id = spec.id;
        const known = isWorkerToolId(id) ? manifest?.[id] : undefined;
        const tool = known ? deferredTool(known, () => loadBuiltinTool(id)) : isWorkerToolId(id) ? await loadBuiltinTool(id) : undefined;
        if (tool && !denied(tool.name, spec.id)) slots[i]!.push(tool);
        else if (!tool && !denied(spec.id)) serverIds.push(spec.id);
      } else if (spec.kind === 'module') {
        for (const tool of await loadToolModule(spec.path)) if (!denied(tool.name)) slots[i]!.push(tool);
      } else {
        mcpWanted.set(spec.server, [...(mcpWanted.get(spec.server) ?? []), { pattern: entry, slot: i }]);
      }
    }

    const env = opts.env ?? process.env;
    const servers = [...new Set([...def.mcpServers, ...mcpWanted.keys()])];
    // The MCP SDK takes most of a second to load: only workers that use a server pay for it.
    const mcp =
      servers.length > 0
        ? { ...(await import('../tools/mcp/client.js')), ...(await import('../tools/mcp/tools.js')), ...(await import('../tools/mcp/config.js')) }
        : undefined;
    const connected = await Promise.allSettled(
      servers.map(async (server) => {
        const raw = catalogue.mcpServers[server];
        if (!raw) throw new McpServerError(server, `is not in the session's MCP config (${catalogue.mcpOrigin})`);
        const config = mcp!.expandServer(server, raw, env, catalogue.mcpOrigin);
        const conn = await mcp!.McpConnection.connect(server, config, { env, ...(opts.logger ? { logger: opts.logger } : {}) });
        connections.push(conn);
        return { server, conn, listed: await conn.listTools(), timeoutMs: mcp!.callTimeoutMs(config, env) };
      }),
    );
    const failed = connected.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    for (const r of connected) {
      if (r.status !== 'fulfilled') continue;
      const { server, conn, listed, timeoutMs } = r.value;
      const patterns = mcpWanted.get(server) ?? [];
      for (const { pattern, slot } of patterns) {
        const spec = parseToolSpec(pattern);
        if (spec.kind === 'mcp' && spec.tool && !listed.some((t) => mcpToolName(server, t.name) === pattern || t.name === spec.tool)) {
          throw new McpServerError(server, `has no tool "${spec.tool}" (named in ${def.file ?? def.name} as ${pattern}); it offers: ${listed.map((t) => t.name).join(', ') || '(none)'}`);
        }
        for (const info of listed) {
          const name = mcpToolName(server, info.name);
          if (patternCovers(pattern, name) && !denied(name)) slots[slot]!.push(mcp!.mcpTool(conn, info, timeoutMs));
        }
      }
    }

    // An MCP tool listed twice (by name and by its server's pattern) is offered once.
    const tools: Tool[] = [];
    for (const t of slots.flat()) if (!(t.name.startsWith('mcp__') && tools.some((x) => x.name === t.name))) tools.push(t);
    // zod's classic API (the output tool's schema, a zod schema's JSON Schema) loads only for
    // an agent that needs it: a compiled worker's built-in tools carry their JSON Schema
    // (tools/deferred.ts), and an agent without them reaches its first model call without it.
    const out = def.outputSchema ? (await import('../agents/output-tool.js')).outputToolOf(def) : undefined;
    if (out) tools.push(out);
    const names = new Set<string>();
    for (const t of tools) {
      if (names.has(t.name)) throw new MailroomError('E_TOOL_CLASH', `agent ${def.name} has two tools named "${t.name}"; rename one or list only one`);
      names.add(t.name);
    }
    const definitions = tools.every((t) => t.inputSchema)
      ? tools.map((t): ToolDefinition => ({ name: t.name, description: t.description, input_schema: t.inputSchema! }))
      : (await import('../tools/definitions.js')).toolDefinitions(tools);
    return {
      tools,
      definitions,
      serverTools: serverToolsFor(serverIds, { provider: opts.provider, enabled: opts.serverToolsEnabled }),
      ...(out ? { outputTool: out.name } : {}),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
