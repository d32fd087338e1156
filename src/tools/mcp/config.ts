/**
 * MCP server configuration in the shape of Claude Code's `.mcp.json`:
 * `{"mcpServers": {"git": {"command", "args", "env"}, "docs": {"type": "http", "url", "headers"}}}`.
 * `${VAR}` and `${VAR:-default}` expand from the environment where the config is used, so
 * secrets stay in the environment and never land in the session folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AgentDefinitionError } from '../../errors.js';

/** Server names: no `__`, which separates the parts of `mcp__<server>__<tool>`. */
export const MCP_SERVER_NAME = /^(?!.*__)[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const common = {
  /** Per-call time limit in ms (default 60 s, or MCP_TOOL_TIMEOUT). */
  timeout: z.number().int().positive().optional(),
  /** How long connecting may take, in ms (default 30 s, or MCP_TIMEOUT). */
  startupTimeout: z.number().int().positive().optional(),
};

export const StdioServerSchema = z.strictObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  ...common,
});

export const HttpServerSchema = z.strictObject({
  type: z.enum(['http', 'streamable-http', 'streamableHttp']),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).default({}),
  ...common,
});

export const McpServerSchema = z.union([StdioServerSchema, HttpServerSchema]);
export type McpServerConfig = z.output<typeof McpServerSchema>;
export type McpServerInput = z.input<typeof McpServerSchema>;

export const McpConfigSchema = z.strictObject({
  mcpServers: z.record(z.string(), z.unknown()).default({}),
});

/** The servers of one config, with where they came from (for error messages). */
export interface McpServers {
  /** The config file, or "(library API)". */
  origin: string;
  servers: Record<string, McpServerConfig>;
}

/** Expands `${VAR}` and `${VAR:-default}`; a variable that is unset and has no default is an error. */
export function expandVars(text: string, env: NodeJS.ProcessEnv, onMissing: (name: string) => never): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    return onMissing(name);
  });
}

/** A server's config with every `${VAR}` expanded; throws naming the server and the variable. */
export function expandServer(name: string, config: McpServerConfig, env: NodeJS.ProcessEnv, origin = '(MCP config)'): McpServerConfig {
  const fail = (field: string) => (v: string): never => {
    throw new AgentDefinitionError(origin, `mcpServers.${name}.${field}`, `\${${v}} is not set in the environment (use \${${v}:-default} for a default)`);
  };
  const map = (rec: Record<string, string>, field: string) =>
    Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, expandVars(v, env, fail(`${field}.${k}`))]));
  if ('command' in config) {
    return {
      ...config,
      command: expandVars(config.command, env, fail('command')),
      args: config.args.map((a, i) => expandVars(a, env, fail(`args[${i}]`))),
      env: map(config.env, 'env'),
      ...(config.cwd ? { cwd: expandVars(config.cwd, env, fail('cwd')) } : {}),
    };
  }
  return { ...config, url: expandVars(config.url, env, fail('url')), headers: map(config.headers, 'headers') };
}

/** Validates one server entry; the error names the origin file and the field. */
export function parseServer(name: string, raw: unknown, origin: string): McpServerConfig {
  if (!MCP_SERVER_NAME.test(name)) {
    throw new AgentDefinitionError(origin, `mcpServers.${name}`, 'a server name is letters, digits, "-" and "_" (no "__"), at most 64 characters');
  }
  if (raw && typeof raw === 'object' && (raw as { type?: unknown }).type === 'sse') {
    throw new AgentDefinitionError(origin, `mcpServers.${name}.type`, 'the deprecated SSE transport is not supported; use "http" (Streamable HTTP) or stdio');
  }
  const parsed = McpServerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const isHttp = raw && typeof raw === 'object' && 'url' in raw;
    const field = issue?.path.length ? issue.path.join('.') : isHttp ? 'url' : 'command';
    throw new AgentDefinitionError(origin, `mcpServers.${name}.${field}`, `${issue?.message ?? 'invalid'} (a server has "command" [stdio] or "type": "http" with "url")`);
  }
  return parsed.data;
}

/** Validates a whole `{ mcpServers: {...} }` object. */
export function parseMcpConfig(raw: unknown, origin: string): McpServers {
  const top = McpConfigSchema.safeParse(raw);
  if (!top.success) throw new AgentDefinitionError(origin, top.error.issues[0]?.path.join('.') || 'mcpServers', z.prettifyError(top.error));
  const servers: Record<string, McpServerConfig> = {};
  for (const [name, value] of Object.entries(top.data.mcpServers)) servers[name] = parseServer(name, value, origin);
  return { origin, servers };
}

/** Reads an MCP config file. A missing file is an error only when it was asked for by name. */
export function loadMcpConfigFile(file: string, opts: { required: boolean }): McpServers | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (!opts.required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentDefinitionError(file, '(file)', `cannot read the MCP config: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AgentDefinitionError(file, '(JSON)', `not valid JSON: ${(err as Error).message}`);
  }
  return parseMcpConfig(json, path.resolve(file));
}

/** The per-call limit of a server's tools, in ms. */
export function callTimeoutMs(config: McpServerConfig, env: NodeJS.ProcessEnv = process.env): number {
  return config.timeout ?? positiveInt(env.MCP_TOOL_TIMEOUT) ?? 60_000;
}

/** How long connecting to a server may take, in ms. */
export function startupTimeoutMs(config: McpServerConfig, env: NodeJS.ProcessEnv = process.env): number {
  return config.startupTimeout ?? positiveInt(env.MCP_TIMEOUT) ?? 30_000;
}

function positiveInt(v: string | undefined): number | undefined {
  const n = Number(v);
  return v && Number.isInteger(n) && n > 0 ? n : undefined;
}
