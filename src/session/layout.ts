/**
 * Where everything of a session lives on disk (DESIGN.md, "On-disk layout"). Every
 * other module asks this one for paths, so the layout is defined once.
 */
import path from 'node:path';
import { customAlphabet } from '../util/ids.js';
import { agentsFolderOf } from '../contracts/spares.js';

const suffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 6);

/** `YYYYMMDD-HHMMSS-<6 chars>`, in UTC, so `ls` sorts sessions by start time. */
export function newSessionId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${suffix()}`;
}

export const SESSION_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-z]{6}$/;

/** The runtime root: `--runtime-dir`, else MAILROOM_RUNTIME_DIR, else `./runtime`. */
export function resolveRuntimeDir(option?: string): string {
  return path.resolve(option ?? process.env.MAILROOM_RUNTIME_DIR ?? 'runtime');
}

export function sessionsDir(runtimeDir: string): string {
  return path.join(runtimeDir, 'sessions');
}

export interface SessionPaths {
  dir: string;
  sessionJson: string;
  journal: string;
  plan: string;
  result: string;
  usage: string;
  agents: string;
  /** Warm spares' folders (coordinator/spares.ts). */
  spares: string;
  artifacts: string;
  decisions: string;
  workspace: string;
  /** The session lock: one claim file per epoch (src/session/lock.ts). */
  lock: string;
}

export function sessionPaths(dir: string): SessionPaths {
  return {
    dir,
    sessionJson: path.join(dir, 'session.json'),
    journal: path.join(dir, 'journal.jsonl'),
    plan: path.join(dir, 'plan.json'),
    result: path.join(dir, 'result.md'),
    usage: path.join(dir, 'usage.json'),
    agents: path.join(dir, 'agents'),
    spares: path.join(dir, 'spares'),
    artifacts: path.join(dir, 'artifacts'),
    decisions: path.join(dir, 'artifacts', 'decisions.jsonl'),
    workspace: path.join(dir, 'workspace'),
    lock: path.join(dir, 'session.lock'),
  };
}

export interface AgentPaths {
  dir: string;
  agentJson: string;
  heartbeat: string;
  transcript: string;
  log: string;
  stdout: string;
  stderr: string;
  mailbox: string;
}

export function agentPaths(sessionDir: string, agentId: string): AgentPaths {
  const dir = path.join(sessionDir, agentsFolderOf(agentId), agentId);
  // `dir` is normalized already: the names below are appended, not joined (seven
  // path.join calls, each normalizing the whole path again, were a tenth of a warm
  // spare's hand-over by profile).
  const sub = (name: string) => dir + path.sep + name;
  return {
    dir,
    agentJson: sub('agent.json'),
    heartbeat: sub('heartbeat'),
    transcript: sub('transcript.jsonl'),
    log: sub('log.ndjson'),
    stdout: sub('stdout.log'),
    stderr: sub('stderr.log'),
    mailbox: sub('mailbox'),
  };
}

export const COORDINATOR_ID = 'coordinator';

/**
 * The people of a session, as one more agent: `agents/human/` holds a Maildir for requests
 * to people (approvals, questions) and `replies/`, one file per answered request.
 */
export const HUMAN_ID = 'human';

/** `agents/human/replies/<request id>.json`: written once, exclusively, by whoever answers first. */
export function replyFile(sessionDir: string, requestId: string): string {
  return path.join(sessionDir, 'agents', HUMAN_ID, 'replies', `${requestId}.json`);
}

/** Worker ids are `w<nn>-<role>`, numbered in plan order from 1. */
export function workerId(index: number, role: string): string {
  return `w${String(index).padStart(2, '0')}-${role}`;
}
