/**
 * The tool contract. Each tool validates its input with a zod schema (the same schema
 * becomes the JSON Schema the model sees, via `z.toJSONSchema`) and returns text.
 * A tool signals a refusal or failure by throwing `ToolError`; the agent loop turns it
 * into an `is_error` tool result, so a bad call never crashes the worker.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';

/** The worker roles. Each has its own tool set; see `registry.ts`. */
export { ROLES, type Role } from '../contracts/roles.js';
import type { Role } from '../contracts/roles.js';

/** Settings that tools read; they come from the session options. */
export interface ToolSettings {
  /** Read-only folder that research tools search and read (default: the cwd at session start). */
  sourceRoot: string;
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
}

export interface ToolOutput {
  /** Text returned to the model. */
  content: string;
  /** True when the content came from outside (a file, a web page): wrapped as untrusted data. */
  untrusted?: boolean;
}

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: S;
  run(input: z.infer<S>, ctx: ToolContext): Promise<ToolOutput>;
}

/** Helps TypeScript infer `S` for a tool literal. */
export function defineTool<S extends z.ZodType>(tool: Tool<S>): Tool<S> {
  return tool;
}
