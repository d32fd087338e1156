/**
 * What the coordinator and the worker hosts say to each other through Redis, besides the
 * mailboxes: host registration, assignments (a stream with one consumer group, so each
 * lands on exactly one host), termination requests, and per-worker reports.
 */
import { z } from 'zod';
import { sessionPrefix } from '../mailbox/redis/keys.js';

/** Assignments of every session; the group `hosts` hands each to one host. */
export const ASSIGN_STREAM = 'mailroom:hosts:assignments';
export const ASSIGN_GROUP = 'hosts';

/** `mailroom:hosts:<name>`: the host's registration, a JSON HostInfo with a TTL. */
export function hostKey(name: string): string {
  return `mailroom:hosts:${name}`;
}

/** `mailroom:hosts:<name>:control`: termination requests for that host's workers. */
export function hostControlStream(name: string): string {
  return `mailroom:hosts:${name}:control`;
}

/** `mailroom:<session>:<agent>:worker`: hash of the running attempt: host, pid, attempt, state, exit. */
export function workerKey(sessionId: string, agentId: string): string {
  return `${sessionPrefix(sessionId)}:${agentId}:worker`;
}

/** `mailroom:<session>:<agent>:alive`: `<host> <pid> <attempt>`, with a TTL the host keeps extending while the process lives. */
export function aliveKey(sessionId: string, agentId: string): string {
  return `${sessionPrefix(sessionId)}:${agentId}:alive`;
}

/** `mailroom:<session>:<agent>:heartbeat`: epoch ms of the worker's last heartbeat, with a TTL. */
export function heartbeatKey(sessionId: string, agentId: string): string {
  return `${sessionPrefix(sessionId)}:${agentId}:heartbeat`;
}

/** `mailroom:<session>:<agent>:transcript` / `:log`: the worker's files, line by line. */
export function fileStream(sessionId: string, agentId: string, file: 'transcript' | 'log'): string {
  return `${sessionPrefix(sessionId)}:${agentId}:${file}`;
}

/** `mailroom:<session>:workers`: spawn and exit reports of every worker, in order. */
export function reportStream(sessionId: string): string {
  return `${sessionPrefix(sessionId)}:workers`;
}

export const HostInfoSchema = z.object({
  name: z.string(),
  slots: z.number().int().positive(),
  used: z.number().int().nonnegative(),
  pid: z.number().int(),
  since: z.string(),
});
export type HostInfo = z.infer<typeof HostInfoSchema>;

export const AssignmentSchema = z.object({
  session: z.string(),
  agent: z.string(),
  attempt: z.number().int().positive(),
  /** session.json and agent.json as the coordinator wrote them. */
  sessionJson: z.string(),
  agentJson: z.string(),
  /** The transcript so far, when the attempt continues from it. */
  transcript: z.string().optional(),
  /** Heartbeat interval: how often the host refreshes the worker's keys. */
  heartbeatMs: z.number().int().positive(),
  /** TTL of the alive and heartbeat keys: the coordinator's staleness bound (interval × misses). */
  aliveTtlMs: z.number().int().positive(),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

const ControlTarget = {
  session: z.string(),
  agent: z.string(),
  attempt: z.number().int().positive(),
};

/** From a coordinator that sent the shutdown message itself: SIGTERM to the process group, SIGKILL after termGraceMs. */
export const SignalRequestSchema = z.object({ ...ControlTarget, action: z.literal('signal'), termGraceMs: z.number().int().nonnegative() });

/**
 * From `mailroom kill` on any machine: the whole ladder, run by the host (the shutdown
 * message into the worker's mailbox here, then SIGTERM, then SIGKILL). The host reports
 * each step and the end on the session's report stream, tagged with `id`.
 */
export const TerminateRequestSchema = z.object({
  ...ControlTarget,
  action: z.literal('terminate'),
  id: z.string().min(1).max(64),
  reason: z.string().max(2000),
  shutdownGraceMs: z.number().int().nonnegative(),
  termGraceMs: z.number().int().nonnegative(),
});

export const ControlSchema = z.discriminatedUnion('action', [SignalRequestSchema, TerminateRequestSchema]);
export type Control = z.infer<typeof ControlSchema>;
export type TerminateRequest = z.infer<typeof TerminateRequestSchema>;

/** Flat string fields of a stream entry → object. */
export function fieldsOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(raw)) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = String(raw[i + 1]);
  return out;
}
