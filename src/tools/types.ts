/**
 * The tool contract. Each tool validates its input with a zod schema (the same schema
 * becomes the JSON Schema the model sees, via `z.toJSONSchema`) and returns text. Any zod 4
 * schema will do, classic (`import { z } from 'zod'`, as a user's tool module writes it) or
 * zod/mini (the built-in tools: a worker that runs one then never loads the classic API).
 * A tool signals a refusal or failure by throwing `ToolError`; the agent loop turns it
 * into an `is_error` tool result, so a bad call never crashes the worker.
 */
import type * as core from 'zod/v4/core';
import type { Logger } from 'pino';

/** A worker's role: the name of an agent in the session's catalogue (see contracts/roles.ts). */
export type { Role } from '../contracts/roles.js';
import type { Role } from '../contracts/roles.js';

/** Settings that tools read; they come from the session options. */
export interface ToolSettings {
  /** Read-only folder that research tools search and read (default: the cwd at session start). */
  sourceRoot: string;
  /**
   * Let research tools read mailroom's runtime folder and secret-looking files (.env*,
   * *.pem, id_*) in the source folder (default false: they are left out).
   */
  includePrivateFiles?: boolean;
  /** Hosts (or host:port) that fetch_url may reach even when they resolve to private addresses. */
  fetchAllowHosts: string[];
  /** Upper bound on any tool output, in characters, before it enters a transcript. */
  maxOutputChars: number;
  /**
   * How fetch_url resolves host names (default: the system resolver). Injected by tests to
   * map names to chosen addresses without DNS. Every address it returns is checked.
   */
  resolveHost?: (hostname: string) => Promise<Array<{ address: string; family: number }>>;
  /** fetch_url: overall time limit across all redirects, in ms (default 15 000). */
  fetchTimeoutMs?: number;
  /** fetch_url: largest body read, in bytes after decompression (default 2 MiB). */
  fetchMaxBytes?: number;
  /** fetch_url: redirects followed at most (default 5). */
  fetchMaxRedirects?: number;
  /** fetch_url, extract_text: time for each HTML extraction step, in ms (default 5 000). */
  htmlTimeoutMs?: number;
  /** format_document: time for one format, in ms (default 5 000). */
  formatTimeoutMs?: number;
  /** run_javascript: CPU time limit per call, in ms (default 2 000). */
  jsTimeoutMs?: number;
  /** run_javascript: memory limit of the sandbox, in bytes (default 32 MiB). */
  jsMemoryLimitBytes?: number;
}

export interface ToolContext {
  /** The session's folder (runtime/sessions/<id>). */
  sessionDir: string;
  /** The only folder that writing tools may touch: `<session>/workspace`. */
  workspaceDir: string;
  agentId: string;
  role: Role;
  settings: ToolSettings;
  logger: Logger;
  /** Aborted when the worker is shutting down or over its wall clock. */
  signal: AbortSignal;
  /**
   * Sends a question to the coordinator and waits for its reply (undefined when none came
   * in time). Present in worker processes; absent where there is no coordinator to ask.
   */
  askCoordinator?: (question: string) => Promise<string | undefined>;
  /**
   * Sends a question to a person (the session's `human` mailbox) and waits for the answer
   * (undefined when the wait ended without one). Present in worker processes.
   */
  askHuman?: (question: string) => Promise<string | undefined>;
}

export interface ToolOutput {
  /** Text returned to the model. */
  content: string;
  /** True when the content came from outside (a file, a web page): wrapped as untrusted data. */
  untrusted?: boolean;
}

export interface Tool<S extends core.$ZodType = core.$ZodType> {
  name: string;
  description: string;
  input: S;
  /**
   * The JSON Schema the model sees, when it is not derived from `input` here: an MCP tool's
   * schema goes to the model exactly as its server gave it, and a deferred built-in tool's
   * comes from the build's manifest (deferred.ts).
   */
  inputSchema?: Record<string, unknown>;
  run(input: core.output<S>, ctx: ToolContext): Promise<ToolOutput>;
}

/**
 * Makes a tool: a name, a description, a zod input schema (the model sees it as JSON
 * Schema) and `run`, which returns text or throws `ToolError`. Tool modules named in an
 * agent definition (`tools: [./tools/jira.ts]`) export tools made with it.
 */
export function defineTool<S extends core.$ZodType>(tool: Tool<S>): Tool<S> {
  return tool;
}
