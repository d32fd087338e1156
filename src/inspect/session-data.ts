/**
 * Reading a session's files for the inspection commands and the viewer (src/ui). Reads are lenient on purpose:
 * an operator inspects crashed, half-written and older sessions too, so a file that is
 * missing or fails today's schema is shown as unknown instead of failing the command.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { findSession } from '../coordinator/api.js';
import type { Plan } from '../contracts/plan.js';
import { SessionNotFoundError, UsageError } from '../errors.js';
import { isSpareId } from '../contracts/spares.js';
import { AgentIdSchema } from '../contracts/envelope.js';
import { Journal, type JournalEntry } from '../session/journal.js';
import { COORDINATOR_ID, SESSION_ID_PATTERN, agentPaths, resolveRuntimeDir, sessionPaths, sessionsDir } from '../session/layout.js';
import type { AgentRecord, SessionRecord } from '../session/records.js';
import type { UsageReport } from '../session/usage.js';
import { isPidAlive } from '../util/fs.js';
import { redisAgents } from './remote.js';

/** session.json as found on disk: every field may be missing. */
export type LooseSessionRecord = Partial<SessionRecord> & { options?: Partial<SessionRecord['options']> & Record<string, unknown> };
/** agent.json as found on disk. */
export type LooseAgentRecord = Partial<AgentRecord>;

export interface SessionRef {
  id: string;
  /** The session folder; absent on this machine when `local` is false. */
  dir: string;
  runtimeDir: string;
  /**
   * A redis-transport session read through Redis: mailboxes come from their streams, and
   * worker transcripts and logs from theirs when the local file is absent.
   */
  redisUrl?: string;
  /** False when only Redis knows the session (no session folder here). Default true. */
  local?: boolean;
}

/**
 * Resolves `<id|latest>` under the runtime dir; throws SessionNotFoundError (exit 2). With
 * a Redis URL, a session id with no folder here is found in Redis instead (by its mailbox
 * index), so its mailboxes and worker files can be read from any machine.
 */
export async function openSession(runtimeOpt: string | undefined, ref: string, opts: { redisUrl?: string } = {}): Promise<SessionRef> {
  const runtimeDir = resolveRuntimeDir(runtimeOpt);
  const redis = opts.redisUrl ? { redisUrl: opts.redisUrl } : {};
  try {
    const dir = await findSession(runtimeDir, ref);
    return { id: path.basename(dir), dir, runtimeDir, ...redis };
  } catch (err) {
    if (!(err instanceof SessionNotFoundError) || !opts.redisUrl || !SESSION_ID_PATTERN.test(ref)) throw err;
    if ((await redisAgents(opts.redisUrl, ref)).length === 0) throw new SessionNotFoundError(ref, `${sessionsDir(runtimeDir)} or in Redis`);
    return { id: ref, dir: path.join(sessionsDir(runtimeDir), ref), runtimeDir, redisUrl: opts.redisUrl, local: false };
  }
}

async function readJsonLoose<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch {
    // Missing, or caught mid-rename by a reader without a lock: show it as unknown.
    return undefined;
  }
}

export function readSessionLoose(dir: string): Promise<LooseSessionRecord | undefined> {
  return readJsonLoose<LooseSessionRecord>(sessionPaths(dir).sessionJson);
}

export function readAgentLoose(dir: string, agent: string): Promise<LooseAgentRecord | undefined> {
  return readJsonLoose<LooseAgentRecord>(agentPaths(dir, agent).agentJson);
}

export function readUsage(dir: string): Promise<UsageReport | undefined> {
  return readJsonLoose<UsageReport>(sessionPaths(dir).usage);
}

export function readPlan(dir: string): Promise<Plan | undefined> {
  return readJsonLoose<Plan>(sessionPaths(dir).plan);
}

export function readJournal(dir: string): Promise<JournalEntry[]> {
  return Journal.read(sessionPaths(dir).journal);
}

/** Agent ids of a session: the coordinator first, then workers by id (plan order). */
export async function listAgents(dir: string): Promise<string[]> {
  const names = await fsp.readdir(sessionPaths(dir).agents).catch(() => [] as string[]);
  const ids = names.filter((n) => AgentIdSchema.safeParse(n).success).sort();
  return [...ids.filter((n) => n === COORDINATOR_ID), ...ids.filter((n) => n !== COORDINATOR_ID)];
}

/** The session's warm spares (`spares/spare-NN`): processes, not agents (one handed a subtask ran as its agent). */
export async function listSpares(dir: string): Promise<string[]> {
  const names = await fsp.readdir(sessionPaths(dir).spares).catch(() => [] as string[]);
  return names.filter(isSpareId).sort();
}

/** The session's agents: its agent folders here, and (read through Redis) those with a mailbox stream; coordinator first. */
export async function sessionAgents(ref: SessionRef): Promise<string[]> {
  const local = await listAgents(ref.dir);
  if (!ref.redisUrl) return local;
  const all = [...new Set([...local, ...(await redisAgents(ref.redisUrl, ref.id))])].sort();
  return [...all.filter((n) => n === COORDINATOR_ID), ...all.filter((n) => n !== COORDINATOR_ID)];
}

/** Throws a UsageError (exit 2) naming the session's agents when `agent` is not one of them. */
export async function requireAgent(ref: SessionRef, agent: string): Promise<void> {
  const agents = await sessionAgents(ref);
  if (AgentIdSchema.safeParse(agent).success && agents.includes(agent)) return;
  // A warm spare's folder can be read too (its log from before it took a subtask).
  const spares = await listSpares(ref.dir);
  if (spares.includes(agent)) return;
  throw new UsageError(
    `session ${ref.id} has no agent "${agent}"; its agents are: ${agents.length ? agents.join(', ') : '(none yet)'}${spares.length ? ` (warm spares: ${spares.join(', ')})` : ''}`,
  );
}

/**
 * The status to show. A session whose session.json still says `running` but whose
 * coordinator process is gone crashed (or was killed): say so, since that is what the
 * operator needs to know (and `--resume` is the fix).
 */
export function effectiveStatus(record: LooseSessionRecord | undefined): string {
  if (!record?.status) return 'unknown';
  if (record.status === 'running' && record.coordinatorPid !== undefined && !isPidAlive(record.coordinatorPid)) return 'crashed';
  return record.status;
}

/** Tokens in and out of a usage record. */
export function tokensOf(u: { input_tokens?: number; output_tokens?: number } | undefined): number | undefined {
  if (!u) return undefined;
  return (u.input_tokens ?? 0) + (u.output_tokens ?? 0);
}

/**
 * The session's cost for display: undefined when no model used has a known price (the
 * offline and scripted models, or unpriced ids), so `-` is shown instead of a misleading $0.
 */
export function knownCost(usage: UsageReport | undefined): { usd?: number; incomplete: boolean } {
  if (!usage) return { incomplete: false };
  const priced = Object.values(usage.agents ?? {}).some((a) => a.costUsd !== undefined);
  return priced ? { usd: usage.costUsd ?? 0, incomplete: usage.costIncomplete === true } : { incomplete: false };
}
