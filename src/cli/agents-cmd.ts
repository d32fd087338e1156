/**
 * `mailroom agents`: the agent catalogue (name, where it came from, model, tools resolved
 * with their MCP servers and modules, limits), and `mailroom mcp list`: each configured MCP
 * server started, its tools listed, and stopped again. Both are how a user checks a setup.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadCatalogue, where, type AgentCatalogue } from '../agents/catalogue.js';
import type { AgentDefinition } from '../agents/schema.js';
import { WorkerLimitsSchema } from '../config.js';
import { describeError } from '../errors.js';
import type { McpConnection } from '../tools/mcp/client.js';
import { expandServer } from '../tools/mcp/config.js';
import { mcpToolName } from '../tools/mcp/names.js';
import { loadAgentTools } from '../worker/tools.js';
import { exitCodeForError } from './errors.js';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface CatalogueFlags {
  agents?: string;
  mcpConfig?: string;
  source?: string;
}

function catalogueFrom(flags: CatalogueFlags): AgentCatalogue {
  return loadCatalogue({
    sourceRoot: path.resolve(flags.source ?? process.env.INIT_CWD ?? process.cwd()),
    ...(flags.agents ? { agentsDir: flags.agents } : {}),
    ...(flags.mcpConfig ? { mcpConfig: flags.mcpConfig } : {}),
  });
}

interface AgentRow {
  name: string;
  source: string;
  file: string | null;
  description: string;
  model: string | null;
  tools: string[];
  toolsError?: string;
  mcpServers: string[];
  outputTool: string | null;
  limits: { maxTurns: number; maxTokens: number; timeoutSeconds: number; own: string[] };
  approval?: unknown;
}

async function rowOf(def: AgentDefinition, catalogue: AgentCatalogue, connect: boolean): Promise<AgentRow> {
  const defaults = WorkerLimitsSchema.parse({});
  let tools: string[];
  let toolsError: string | undefined;
  if (connect || def.mcpServers.length === 0) {
    try {
      const loaded = await loadAgentTools(def, catalogue, { provider: 'anthropic', serverToolsEnabled: true });
      tools = [...loaded.tools.map((t) => t.name), ...loaded.serverTools.map((t) => t.name)];
      await loaded.close();
    } catch (err) {
      tools = def.tools ?? def.mcpServers.map((s) => `mcp__${s}`);
      toolsError = describeError(err);
    }
  } else {
    tools = def.tools ?? def.mcpServers.map((s) => `mcp__${s}`);
  }
  const own = (['maxTurns', 'maxTokens', 'timeout'] as const).filter((k) => def[k] !== undefined);
  return {
    name: def.name,
    source: def.source,
    file: def.file ?? null,
    description: def.description,
    model: def.model ?? null,
    tools,
    ...(toolsError ? { toolsError } : {}),
    mcpServers: def.mcpServers,
    outputTool: def.outputSchema ? (def.outputTool ?? 'final_answer') : null,
    limits: {
      maxTurns: def.maxTurns ?? defaults.maxTurns,
      maxTokens: def.maxTokens ?? defaults.maxTokens,
      timeoutSeconds: def.timeout ?? defaults.wallClockMs / 1000,
      own,
    },
    ...(def.approval !== undefined ? { approval: def.approval } : {}),
  };
}

function formatRows(rows: AgentRow[], catalogue: AgentCatalogue): string {
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`${r.name}  (${r.source}${r.file ? `: ${r.file}` : ''})`);
    lines.push(`  ${r.description}`);
    lines.push(`  model:  ${r.model ?? '(the session\'s worker model)'}`);
    lines.push(`  tools:  ${r.tools.join(', ') || '(none)'}${r.outputTool ? `  [ends with ${r.outputTool}]` : ''}`);
    if (r.toolsError) lines.push(`  tools could not be resolved: ${r.toolsError}`);
    if (r.mcpServers.length) lines.push(`  mcp:    ${r.mcpServers.join(', ')}`);
    const own = r.limits.own.length ? ` (own: ${r.limits.own.join(', ')})` : ' (session defaults)';
    lines.push(`  limits: ${r.limits.maxTurns} turns, ${r.limits.maxTokens} tokens, ${r.limits.timeoutSeconds} s${own}`);
    if (r.approval !== undefined) lines.push(`  approval: ${JSON.stringify(r.approval)}`);
    lines.push('');
  }
  for (const c of catalogue.clashes) lines.push(`note: agent "${c.name}": ${c.kept} overrides ${c.shadowed}`);
  return lines.join('\n').trimEnd() + '\n';
}

async function listMcp(catalogue: AgentCatalogue, io: Io, json: boolean): Promise<number> {
  const names = Object.keys(catalogue.mcpServers);
  if (names.length === 0) {
    io.err(`no MCP servers configured (${catalogue.mcpOrigin})\n`);
    return 0;
  }
  const { McpConnection: Connection } = await import('../tools/mcp/client.js');
  let failed = 0;
  const report: Array<{ server: string; transport: string; tools?: Array<{ name: string; description: string }>; error?: string }> = [];
  for (const server of names) {
    const config = expandServer(server, catalogue.mcpServers[server]!, process.env, catalogue.mcpOrigin);
    const transport = 'command' in config ? `stdio: ${config.command} ${config.args.join(' ')}`.trim() : `http: ${config.url}`;
    let conn: McpConnection | undefined;
    try {
      conn = await Connection.connect(server, config);
      const tools = (await conn.listTools()).map((t) => ({ name: mcpToolName(server, t.name), description: (t.description ?? '').split('\n')[0]!.slice(0, 120) }));
      report.push({ server, transport, tools });
    } catch (err) {
      failed++;
      report.push({ server, transport, error: describeError(err) });
    } finally {
      await conn?.close();
    }
  }
  if (json) io.out(JSON.stringify({ origin: catalogue.mcpOrigin, servers: report }, null, 2) + '\n');
  else {
    for (const r of report) {
      io.out(`${r.server}  (${r.transport})\n`);
      if (r.error) io.out(`  FAILED: ${r.error}\n`);
      else for (const t of r.tools ?? []) io.out(`  ${t.name}${t.description ? `  ${t.description}` : ''}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** Adds `agents` and `mcp list` to the program. */
export function registerAgentCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('agents')
    .description('list the agent catalogue: name, where it came from, model, tools (MCP and modules resolved), limits')
    .option('--agents <dir>', 'agent definitions that come first')
    .option('--mcp-config <file>', 'MCP servers (default .mailroom/mcp.json in the source folder)')
    .option('--source <dir>', 'the source folder, whose .mailroom/ is read (default: the current folder)')
    .option('--no-connect', "don't start MCP servers to resolve their tools")
    .option('--json', 'print JSON')
    .action(async (flags: CatalogueFlags & { json?: boolean; connect?: boolean }) => {
      try {
        const catalogue = catalogueFrom(flags);
        const rows: AgentRow[] = [];
        for (const def of catalogue.agents) rows.push(await rowOf(def, catalogue, flags.connect !== false));
        io.out(flags.json ? JSON.stringify({ agents: rows, clashes: catalogue.clashes, mcpOrigin: catalogue.mcpOrigin }, null, 2) + '\n' : formatRows(rows, catalogue));
        for (const r of rows) if (r.toolsError) io.err(`mailroom: agent ${r.name} (${where(catalogue.agents.find((a) => a.name === r.name)!)}): ${r.toolsError}\n`);
        setExit(rows.some((r) => r.toolsError) ? 1 : 0);
      } catch (err) {
        setExit(exitCodeForError(err, io));
      }
    });

  program
    .command('mcp')
    .description('MCP servers')
    .command('list')
    .description('start each configured MCP server, list its tools, and stop it')
    .option('--mcp-config <file>', 'MCP servers (default .mailroom/mcp.json in the source folder)')
    .option('--source <dir>', 'the source folder, whose .mailroom/mcp.json is read (default: the current folder)')
    .option('--json', 'print JSON')
    .action(async (flags: CatalogueFlags & { json?: boolean }) => {
      try {
        setExit(await listMcp(catalogueFrom({ ...flags, agents: undefined }), io, flags.json === true));
      } catch (err) {
        setExit(exitCodeForError(err, io));
      }
    });
}
