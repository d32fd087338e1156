/**
 * Session options: one zod schema for everything a session can be told, whether it
 * comes from the CLI, the library API or session.json on resume. Defaults live here.
 */
import { z } from 'zod';
import { WorkerLimitsSchema } from './limits.js';
import { PATTERN_NAMES, PatternOptionsShape, nestLegacyPatternOptions, type LegacyPatternOptions, type PatternName } from './patterns.js';
import { PARSED_ONCE } from './parse-once.js';

export { WorkerLimitsSchema, type WorkerLimits } from './limits.js';

export const PATTERNS = PATTERN_NAMES;
export type Pattern = PatternName;

export const PROVIDERS = ['auto', 'anthropic', 'offline', 'scripted'] as const;

const SessionOptionsObject = z.object({
  task: z.string().trim().min(1, 'the task is empty'),
  pattern: z.enum(PATTERNS).default('coordinator'),
  /** `auto` picks anthropic when ANTHROPIC_API_KEY is set, offline otherwise. */
  provider: z.enum(PROVIDERS).default('auto'),
  models: z
    .object({
      coordinator: z.string().optional(),
      worker: z.string().optional(),
      router: z.string().optional(),
    })
    .default({}),
  /** How many workers may run at once. */
  maxWorkers: z.number().int().positive().max(256).default(4),
  /**
   * Warm spares: worker processes started ahead of their subtasks (from session start),
   * idle in their own mailboxes until an assignment names their role. They do not take a
   * maxWorkers slot (they do no work until assigned). 0 turns them off; local workers only.
   */
  warm: z.number().int().nonnegative().max(16).default(1),
  limits: WorkerLimitsSchema.default(WorkerLimitsSchema.parse({}, PARSED_ONCE)),
  /** Attempts per subtask, the first included (default: one retry). */
  maxAttempts: z.number().int().positive().max(10).default(2),
  /** Restart intensity: at most this many restarts in `restartWindowMs`, across the session. */
  maxRestarts: z.number().int().nonnegative().default(5),
  restartWindowMs: z.number().int().positive().default(60_000),
  heartbeatIntervalMs: z.number().int().positive().default(1_000),
  /** Missed heartbeats before a worker counts as crashed. */
  heartbeatMisses: z.number().int().positive().default(5),
  /** Grace after the `shutdown` message, then after SIGTERM. */
  shutdownGraceMs: z.number().int().positive().default(3_000),
  termGraceMs: z.number().int().positive().default(2_000),
  /** Read-only folder that research tools search (default: where the user ran the command). */
  sourceRoot: z.string().optional(),
  fetchAllowHosts: z.array(z.string()).default([]),
  /** Offer Anthropic's server tools (web_search, web_fetch) to research workers. */
  serverTools: z.boolean().default(true),
  /** fsync every message, not just results. */
  fsyncAll: z.boolean().default(false),
  /** A JSON script for the `scripted` provider (tests and benches). */
  scriptFile: z.string().optional(),
  budgetTokens: z.number().int().positive().optional(),
  budgetUsd: z.number().positive().optional(),
  /** Let research tools read mailroom runtime folders and secret-looking files (.env*, *.pem, id_*) there. */
  includePrivateFiles: z.boolean().default(false),
  /** `--agents <dir>`: agent definitions that come before every other folder. */
  agentsDir: z.string().optional(),
  /** `--mcp-config <file>`: the MCP servers (default `.mailroom/mcp.json` in the source folder). */
  mcpConfig: z.string().optional(),
  /** Each pattern's own options, under its name (see contracts/patterns.ts). */
  ...PatternOptionsShape,
  /** coordinator: update a running draft as each result arrives. */
  progressive: z.boolean().default(false),
  /** coordinator: consult the coordinator's model on worker events (failures, questions). */
  liveCoordination: z.boolean().default(true),
  /**
   * Tools that wait for a person's approval, for every agent (besides each definition's
   * `approval`): names, globs such as `mcp__*`, or `all`.
   */
  requireApproval: z.array(z.string().min(1)).default([]),
  /** Switch approval off (trusted runs): no tool waits for a person. */
  approveAll: z.boolean().default(false),
  /** How long a tool call waits for a person before the wait counts as a denial (default: no limit). */
  approvalTimeoutMs: z.number().int().positive().optional(),
  /** Never ask a person: reflect below its threshold ends `needs_human` (exit 3). */
  noHuman: z.boolean().default(false),
  /** End the coordinator (exit 4, status `waiting`) when nothing is left but waiting for people. */
  detachOnWait: z.boolean().default(false),
  /** Outputs longer than this reach dependents as artifact references instead of full text. */
  inlineOutputChars: z.number().int().positive().default(12_000),
});

/**
 * The session options. Flat pattern options (`maxRounds`, `stages`, ...) from older
 * session.json files and callers are moved under their pattern's key first.
 */
export const SessionOptionsSchema = z.preprocess(nestLegacyPatternOptions, SessionOptionsObject);

export type SessionOptionsInput = z.input<typeof SessionOptionsObject> & LegacyPatternOptions;
export type SessionOptions = z.output<typeof SessionOptionsObject>;
