/**
 * The agent catalogue: every agent a session may use, looked up in priority order
 * (library `agents`, `--agents <dir>`, `.mailroom/agents/` in the source folder,
 * `~/.mailroom/agents/`, then the built-in ones). The first definition of a name wins; the
 * others are reported as clashes. Loading checks everything, so a bad file stops the run
 * before anything starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentDefinitionError } from '../errors.js';
import { expandServer, loadMcpConfigFile, parseServer, type McpServerConfig, type McpServers } from '../tools/mcp/config.js';
import { BUILTIN_AGENTS_DIR } from './builtin-dir.js';
import { parseAgentText, parseFields } from './parse.js';
import { AgentInputSchema, type AgentDefinition, type AgentDefinitionInput, type AgentSource } from './schema.js';
import { resolveDefinition, type DefinitionOrigin } from './validate.js';

export interface AgentCatalogue {
  agents: AgentDefinition[];
  /** The MCP servers agents may name, unexpanded (`${VAR}` stays as written). */
  mcpServers: Record<string, McpServerConfig>;
  /** Where the MCP config came from, for messages. */
  mcpOrigin: string;
  /** Definitions hidden by an earlier one of the same name. */
  clashes: Array<{ name: string; kept: string; shadowed: string }>;
}

export interface CatalogueOptions {
  /** Definitions or paths (files or folders) from the library API; they come first. */
  agents?: Array<AgentDefinitionInput | string>;
  /** `--agents <dir>`. */
  agentsDir?: string;
  /** The source folder: its `.mailroom/agents/` and `.mailroom/mcp.json` are read. */
  sourceRoot: string;
  /** Home folder for `~/.mailroom/agents/` (default: the user's). */
  homeDir?: string;
  /** `--mcp-config <file>`; replaces `.mailroom/mcp.json`. */
  mcpConfig?: string;
  /** MCP servers from the library API, over those of the config file. */
  mcpServers?: Record<string, unknown>;
  /** For checking `${VAR}` in the MCP config (default process.env). */
  env?: NodeJS.ProcessEnv;
}

interface Candidate {
  def: AgentDefinition;
  layer: number;
}

/** Loads and checks the whole catalogue; throws AgentDefinitionError on the first bad definition. */
export function loadCatalogue(opts: CatalogueOptions): AgentCatalogue {
  const mcp = loadMcp(opts);
  const candidates: Candidate[] = [];
  const layers: Array<{ source: AgentSource; items: Array<() => AgentDefinition[]> }> = [
    { source: 'api', items: (opts.agents ?? []).map((a, i) => () => fromApi(a, i, opts.sourceRoot, mcp)) },
    { source: 'flag', items: opts.agentsDir ? [() => fromDir(path.resolve(opts.agentsDir!), 'flag', mcp, true)] : [] },
    { source: 'project', items: [() => fromDir(path.join(opts.sourceRoot, '.mailroom', 'agents'), 'project', mcp, false)] },
    { source: 'user', items: [() => fromDir(path.join(opts.homeDir ?? os.homedir(), '.mailroom', 'agents'), 'user', mcp, false)] },
    { source: 'built-in', items: [() => fromDir(BUILTIN_AGENTS_DIR, 'built-in', mcp, true)] },
  ];
  layers.forEach((layer, n) => {
    for (const item of layer.items) for (const def of item()) candidates.push({ def, layer: n });
  });

  const agents: AgentDefinition[] = [];
  const clashes: AgentCatalogue['clashes'] = [];
  const byName = new Map<string, Candidate>();
  for (const c of candidates) {
    const first = byName.get(c.def.name);
    if (!first) {
      byName.set(c.def.name, c);
      agents.push(c.def);
      continue;
    }
    // Two definitions of one name at the same level: nothing says which one is meant.
    if (first.layer === c.layer) throw new AgentDefinitionError(where(c.def), 'name', `duplicate agent "${c.def.name}": also defined in ${where(first.def)}`);
    clashes.push({ name: c.def.name, kept: where(first.def), shadowed: where(c.def) });
  }
  return { agents, mcpServers: mcp.servers, mcpOrigin: mcp.origin, clashes };
}

/** The definition of one agent, or undefined. */
export function findAgent(catalogue: Pick<AgentCatalogue, 'agents'>, name: string): AgentDefinition | undefined {
  return catalogue.agents.find((a) => a.name === name);
}

/** Where a definition came from, for messages: its file, or `built-in` / `runSession`. */
export function where(def: AgentDefinition): string {
  return def.file ?? `${def.source} definition "${def.name}"`;
}

function loadMcp(opts: CatalogueOptions): McpServers {
  const env = opts.env ?? process.env;
  const file = opts.mcpConfig ? path.resolve(opts.mcpConfig) : path.join(opts.sourceRoot, '.mailroom', 'mcp.json');
  const fromFile = loadMcpConfigFile(file, { required: Boolean(opts.mcpConfig) }) ?? { origin: file, servers: {} };
  const servers = { ...fromFile.servers };
  for (const [name, raw] of Object.entries(opts.mcpServers ?? {})) servers[name] = parseServer(name, raw, 'runSession mcpServers');
  const origin = opts.mcpServers && Object.keys(opts.mcpServers).length > 0 ? `${fromFile.origin} and runSession mcpServers` : fromFile.origin;
  // An unset ${VAR} fails now, naming the server, rather than in a worker later.
  for (const [name, config] of Object.entries(servers)) expandServer(name, config, env, origin);
  return { origin, servers };
}

function fromApi(item: AgentDefinitionInput | string, i: number, base: string, mcp: McpServers): AgentDefinition[] {
  if (typeof item === 'string') {
    const abs = path.resolve(base, item);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new AgentDefinitionError(abs, '(file)', 'no such agent file or folder');
    }
    return stat.isDirectory() ? fromDir(abs, 'api', mcp, true) : [fromFile(abs, 'api', mcp)];
  }
  const label = `runSession agents[${i}]`;
  const fields = parseFields(item, label, AgentInputSchema);
  const prompt = typeof (item as { prompt?: unknown }).prompt === 'string' ? (item as { prompt: string }).prompt.trim() : '';
  return [resolveDefinition(fields, prompt, { label, source: 'api', baseDir: base }, mcp)];
}

function fromDir(dir: string, source: AgentSource, mcp: McpServers, required: boolean): AgentDefinition[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AgentDefinitionError(dir, '(folder)', `cannot read the agents folder: ${(err as Error).message}`);
  }
  return names
    .filter((n) => n.endsWith('.md'))
    .sort()
    .map((n) => fromFile(path.join(dir, n), source, mcp));
}

function fromFile(file: string, source: AgentSource, mcp: McpServers): AgentDefinition {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AgentDefinitionError(file, '(file)', `cannot read: ${(err as Error).message}`);
  }
  const { fields, prompt } = parseAgentText(text, file);
  const origin: DefinitionOrigin = { label: file, file, source, baseDir: path.dirname(file) };
  return resolveDefinition(fields, prompt, origin, mcp);
}

/** The tools an agent is declared with, as agent.json records them (MCP tools as patterns). */
export function declaredTools(def: AgentDefinition): string[] {
  const listed = def.tools ?? def.mcpServers.map((s) => `mcp__${s}`);
  const out = listed.filter((t) => !def.disallowedTools.includes(t));
  if (def.outputSchema) out.push(def.outputTool ?? 'final_answer');
  return out;
}
