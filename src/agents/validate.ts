/**
 * Turns parsed fields into a checked definition. Everything that can be known before a
 * worker starts is checked here: tool names, MCP servers against the config, module paths,
 * the output schema. A problem throws AgentDefinitionError naming the file and the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AgentDefinitionError } from '../errors.js';
import type { McpServers } from '../tools/mcp/config.js';
import { builtinToolIds, modelNameOf } from '../tools/builtin-ids.js';
import type { AgentFields } from './parse.js';
import type { AgentDefinition, AgentSource } from './schema.js';
import { parseToolSpec } from './tool-spec.js';

export interface DefinitionOrigin {
  /** The file, or a label such as `runSession agents[0]`, for error messages. */
  label: string;
  file?: string;
  source: AgentSource;
  /** Relative module paths resolve against this folder. */
  baseDir: string;
}

/** Checks the fields against the built-in tools and the MCP config, and resolves module paths. */
export function resolveDefinition(fields: AgentFields, prompt: string, origin: DefinitionOrigin, mcp: McpServers): AgentDefinition {
  const fail = (field: string, reason: string): never => {
    throw new AgentDefinitionError(origin.label, field, reason);
  };
  const servers = new Set<string>();
  const needServer = (server: string, field: string) => {
    if (!Object.hasOwn(mcp.servers, server)) {
      const known = Object.keys(mcp.servers);
      fail(field, `MCP server "${server}" is not in the MCP config (${mcp.origin}); ${known.length ? `configured: ${known.join(', ')}` : 'no server is configured (.mailroom/mcp.json or --mcp-config)'}`);
    }
    servers.add(server);
  };
  fields.mcpServers.forEach((s, i) => needServer(s, `mcpServers[${i}]`));

  const check = (list: string[], field: string, resolveModules: boolean): string[] =>
    list.map((entry, i) => {
      const spec = parseToolSpec(entry);
      const at = `${field}[${i}]`;
      if (spec.kind === 'mcp') {
        if (!spec.server || spec.tool === '') fail(at, `"${entry}" is not a tool name; use mcp__<server>__<tool> or mcp__<server>`);
        if (field === 'tools') needServer(spec.server, at);
        return entry;
      }
      if (spec.kind === 'module') {
        if (!resolveModules) fail(at, `"${entry}" is a module path; disallowedTools takes tool names`);
        const abs = entry.startsWith('file:') ? fileURLToPath(entry) : path.resolve(origin.baseDir, entry);
        if (!fs.existsSync(abs)) fail(at, `tool module "${entry}" not found (looked for ${abs})`);
        return abs;
      }
      // A module's tool names are known only once it is imported (in the worker).
      const fromModule = field === 'disallowedTools' && (fields.tools ?? []).some((t) => parseToolSpec(t).kind === 'module');
      if (!builtinToolIds().includes(spec.id) && !fromModule) {
        fail(at, `unknown tool "${entry}"; the built-in tools are ${builtinToolIds().join(', ')}, and MCP tools are named mcp__<server>__<tool>`);
      }
      return entry;
    });

  const tools = fields.tools ? check(fields.tools, 'tools', true) : undefined;
  const disallowed = check(fields.disallowedTools, 'disallowedTools', false);

  // Two built-ins the model would see under one name (read_file and workspace_read_file).
  const seen = new Map<string, string>();
  for (const [i, entry] of (tools ?? []).entries()) {
    const spec = parseToolSpec(entry);
    if (spec.kind !== 'builtin') continue;
    const name = modelNameOf(spec.id);
    const other = seen.get(name);
    if (other !== undefined && other !== spec.id) fail(`tools[${i}]`, `"${spec.id}" and "${other}" are both seen by the model as "${name}"; list one of them`);
    seen.set(name, spec.id);
  }

  if (fields.outputSchema) {
    const schema = fields.outputSchema;
    if (schema.type !== 'object') fail('outputSchema', 'must be a JSON Schema of an object (type: object), since it becomes a tool input');
    try {
      z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (err) {
      fail('outputSchema', `not a usable JSON Schema: ${(err as Error).message}`);
    }
  }

  return {
    name: fields.name,
    description: fields.description,
    prompt,
    source: origin.source,
    ...(origin.file ? { file: origin.file } : {}),
    ...(tools ? { tools } : {}),
    disallowedTools: disallowed,
    mcpServers: [...servers],
    ...(fields.model ? { model: fields.model } : {}),
    ...(fields.maxTurns ? { maxTurns: fields.maxTurns } : {}),
    ...(fields.maxTokens ? { maxTokens: fields.maxTokens } : {}),
    ...(fields.timeout ? { timeout: fields.timeout } : {}),
    ...(fields.outputSchema ? { outputSchema: fields.outputSchema } : {}),
    ...(fields.outputTool ? { outputTool: fields.outputTool } : {}),
    ...(fields.approval !== undefined ? { approval: fields.approval } : {}),
  };
}
