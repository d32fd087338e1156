/** Schemas of the state files a person reads: session.json and agent.json. */
import * as z from './mini.js';
import { SessionOptionsSchema, WorkerLimitsSchema } from './options.js';

/** `waiting`: a request to a person is open (while running), or the session detached to wait (`--detach-on-wait`). */
export const SESSION_STATUSES = ['running', 'waiting', 'completed', 'failed', 'interrupted', 'needs_human'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const SessionRecordSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  task: z.string(),
  options: SessionOptionsSchema,
  provider: z.string(),
  models: z.object({ coordinator: z.string(), worker: z.string(), router: z.string() }),
  status: z.enum(SESSION_STATUSES),
  /** Why it ended the way it did, when not `completed`. */
  reason: z.optional(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.optional(z.string()),
  coordinatorPid: z.number().check(z.int()),
  /** Bumped on every lock takeover; older epochs are fenced off. */
  epoch: z.nonNegativeInt(),
  /** What carries the session's mailboxes; absent: the Maildirs in its folder (fs). */
  transport: z.optional(z.enum(['fs', 'redis'])),
  /** The running draft of progressive synthesis, when enabled. */
  draft: z.optional(z.string()),
  /** The last review, when a reflect loop ended without reaching its threshold. */
  review: z.optional(z.unknown()),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

/**
 * `spare`: a warm spare waiting for a subtask; `adopted`: a spare that became a subtask's
 * agent (its process runs as that agent now); `unused`: a spare that ended without one.
 */
export const AGENT_STATUSES = ['pending', 'running', 'completed', 'failed', 'terminated', 'crashed', 'spare', 'adopted', 'unused'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const AgentRecordSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  role: z.string(),
  subtask: z.string(),
  tools: z.array(z.string()),
  model: z.string(),
  limits: z.optional(WorkerLimitsSchema),
  pid: z.optional(z.number().check(z.int())),
  /** The worker host it runs on (redis transport); absent when local. */
  host: z.optional(z.string()),
  status: z.enum(AGENT_STATUSES),
  attempt: z.positiveInt(),
  startedAt: z.optional(z.string()),
  endedAt: z.optional(z.string()),
  error: z.optional(z.string()),
});
export type AgentRecord = z.infer<typeof AgentRecordSchema>;
