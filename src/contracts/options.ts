/**
 * Session options: one zod schema for everything a session can be told, whether it
 * comes from the CLI, the library API or session.json on resume. Defaults live here.
 */
import * as z from './mini.js';
import { WorkerLimitsSchema } from './limits.js';
import { PATTERN_NAMES, PatternOptionsShape, nestLegacyPatternOptions, type LegacyPatternOptions, type PatternName } from './patterns.js';
import { PARSED_ONCE } from './parse-once.js';

export { WorkerLimitsSchema, type WorkerLimits } from './limits.js';

export const PATTERNS = PATTERN_NAMES;
export type Pattern = PatternName;

export const PROVIDERS = ['auto', 'anthropic', 'offline', 'scripted'] as const;

const SessionOptionsObject = z.object({
  task: z.string().check(z.trim(), z.minLength(1, 'the task is empty')),
  pattern: z._default(z.enum(PATTERNS), 'coordinator'),
  /** `auto` picks anthropic when ANTHROPIC_API_KEY is set, offline otherwise. */
  provider: z._default(z.enum(PROVIDERS), 'auto'),
  models: z._default(
    z.object({
      coordinator: z.optional(z.string()),
      worker: z.optional(z.string()),
      router: z.optional(z.string()),
    }),
    {},
  ),
  /** How many workers may run at once. */
  maxWorkers: z._default(z.number().check(z.int(), z.positive(), z.maximum(256)), 4),
  /**
   * Warm spares: worker processes started ahead of their subtasks (from session start),
   * idle in their own mailboxes until an assignment names their role. They do not take a
   * maxWorkers slot (they do no work until assigned). 0 turns them off; local workers only.
   */
  warm: z._default(z.number().check(z.int(), z.nonnegative(), z.maximum(16)), 1),
  limits: z._default(WorkerLimitsSchema, WorkerLimitsSchema.parse({}, PARSED_ONCE)),
  /** Attempts per subtask, the first included (default: one retry). */
  maxAttempts: z._default(z.number().check(z.int(), z.positive(), z.maximum(10)), 2),
  /** Restart intensity: at most this many restarts in `restartWindowMs`, across the session. */
  maxRestarts: z._default(z.nonNegativeInt(), 5),
  restartWindowMs: z._default(z.positiveInt(), 60_000),
  heartbeatIntervalMs: z._default(z.positiveInt(), 1_000),
  /** Missed heartbeats before a worker counts as crashed. */
  heartbeatMisses: z._default(z.positiveInt(), 5),
  /** Grace after the `shutdown` message, then after SIGTERM. */
  shutdownGraceMs: z._default(z.positiveInt(), 3_000),
  termGraceMs: z._default(z.positiveInt(), 2_000),
  /** Read-only folder that research tools search (default: where the user ran the command). */
  sourceRoot: z.optional(z.string()),
  fetchAllowHosts: z._default(z.array(z.string()), []),
  /** Offer Anthropic's server tools (web_search, web_fetch) to research workers. */
  serverTools: z._default(z.boolean(), true),
  /** fsync every message, not just results. */
  fsyncAll: z._default(z.boolean(), false),
  /** A JSON script for the `scripted` provider (tests and benches). */
  scriptFile: z.optional(z.string()),
  budgetTokens: z.optional(z.positiveInt()),
  budgetUsd: z.optional(z.number().check(z.positive())),
  /** Let research tools read mailroom runtime folders and secret-looking files (.env*, *.pem, id_*) there. */
  includePrivateFiles: z._default(z.boolean(), false),
  /** `--agents <dir>`: agent definitions that come before every other folder. */
  agentsDir: z.optional(z.string()),
  /** `--mcp-config <file>`: the MCP servers (default `.mailroom/mcp.json` in the source folder). */
  mcpConfig: z.optional(z.string()),
  /** Each pattern's own options, under its name (see contracts/patterns.ts). */
  ...PatternOptionsShape,
  /** coordinator: update a running draft as each result arrives. */
  progressive: z._default(z.boolean(), false),
  /** coordinator: consult the coordinator's model on worker events (failures, questions). */
  liveCoordination: z._default(z.boolean(), true),
  /**
   * Tools that wait for a person's approval, for every agent (besides each definition's
   * `approval`): names, globs such as `mcp__*`, or `all`.
   */
  requireApproval: z._default(z.array(z.string().check(z.minLength(1))), []),
  /** Switch approval off (trusted runs): no tool waits for a person. */
  approveAll: z._default(z.boolean(), false),
  /** How long a tool call waits for a person before the wait counts as a denial (default: no limit). */
  approvalTimeoutMs: z.optional(z.positiveInt()),
  /** Never ask a person: reflect below its threshold ends `needs_human` (exit 3). */
  noHuman: z._default(z.boolean(), false),
  /** End the coordinator (exit 4, status `waiting`) when nothing is left but waiting for people. */
  detachOnWait: z._default(z.boolean(), false),
  /** Outputs longer than this reach dependents as artifact references instead of full text. */
  inlineOutputChars: z._default(z.positiveInt(), 12_000),
});

/**
 * The session options. Flat pattern options (`maxRounds`, `stages`, ...) from older
 * session.json files and callers are moved under their pattern's key first.
 */
export const SessionOptionsSchema = z.pipe(z.transform(nestLegacyPatternOptions), SessionOptionsObject);

export type SessionOptionsInput = z.input<typeof SessionOptionsObject> & LegacyPatternOptions;
export type SessionOptions = z.output<typeof SessionOptionsObject>;
