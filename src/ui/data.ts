/**
 * What the viewer's JSON API answers, read from the session's files with the same
 * readers as the CLI's inspection commands (src/inspect), so both show the same truth.
 */
import fsp from 'node:fs/promises';
import { prettyFactory } from 'pino-pretty';
import type { TranscriptLine } from '../agent/transcript.js';
import { loadInbox } from '../inspect/inbox.js';
import { readAgentLoose, type LooseAgentRecord, type SessionRef } from '../inspect/session-data.js';
import { listSessions, type SessionSummary } from '../inspect/sessions.js';
import { loadSessionView, type AgentView } from '../inspect/session-view.js';
import { loadTranscript } from '../inspect/transcript.js';
import { listMailbox, type StoredMessage } from '../mailbox/inspect.js';
import type { Plan } from '../contracts/plan.js';
import { COORDINATOR_ID, HUMAN_ID, agentPaths, sessionPaths } from '../session/layout.js';
import { listRequests, shownOf, type RequestShown } from '../people/store.js';
import type { UsageReport } from '../session/usage.js';
import { buildTimeline, type Timeline } from './timeline.js';

/** The agent that stands for people (DESIGN.md, "People"); its mailbox holds their requests. */
export { HUMAN_ID };

/** How much of a log the agent page shows (the newest lines). */
const LOG_LINES = 2000;

export async function sessionsPayload(runtimeDir: string): Promise<{ root: string; sessions: SessionSummary[] }> {
  return listSessions(runtimeDir);
}

/** One plan subtask with the agents that worked on it, for the graph. */
export interface GraphNode {
  id: string;
  role: string;
  description: string;
  dependsOn: string[];
  required: boolean;
  fallbackRole?: string;
  /** The status shown: the last agent's, or `pending` when none was spawned yet. */
  status: string;
  /** Agents in spawn order: a second one is a fallback. */
  agents: Array<{ id: string; status: string; attempts: number }>;
}

export interface SessionPayload {
  id: string;
  status: string;
  record?: Record<string, unknown>;
  plan?: Plan;
  graph: GraphNode[];
  usage?: UsageReport;
  agents: Array<Omit<AgentView, 'subtask'> & { subtask?: string }>;
  timeline: Timeline;
  result?: string;
  workspaceFiles: string[];
  /** Every message in the human mailbox (agents/human/mailbox), as files. */
  humanRequests: StoredMessage[];
  /** Requests to people with their replies, oldest first: what the page answers. */
  requests: RequestView[];
}

/** A request to people as the page shows it, with its reply once there is one. */
export interface RequestView extends RequestShown {
  reply?: { kind: string; text?: string; at: string };
}

export async function sessionPayload(ref: SessionRef): Promise<SessionPayload> {
  const view = await loadSessionView(ref);
  const [result, coordinatorMail, humanRequests, requests] = await Promise.all([
    fsp.readFile(sessionPaths(ref.dir).result, 'utf8').catch(() => undefined),
    loadInbox(ref, COORDINATOR_ID, false).then((m) => m.messages, () => [] as StoredMessage[]),
    listMailbox(ref.dir, HUMAN_ID, ['new', 'cur', 'dead']).catch(() => [] as StoredMessage[]),
    listRequests(ref.dir),
  ]);
  const running = view.status === 'running';
  const workers = view.agents.filter((a) => a.id !== COORDINATOR_ID && a.id !== HUMAN_ID);
  const graph: GraphNode[] = (view.plan?.subtasks ?? []).map((s) => {
    const mine = workers.filter((a) => a.record?.subtask === s.id);
    return {
      id: s.id,
      role: s.role,
      description: s.description,
      dependsOn: s.dependsOn,
      required: s.required === true,
      ...(s.fallbackRole ? { fallbackRole: s.fallbackRole } : {}),
      status: mine.at(-1)?.status ?? (running ? 'pending' : 'not started'),
      agents: mine.map((a) => ({ id: a.id, status: a.status, attempts: a.attempts })),
    };
  });
  return {
    id: ref.id,
    status: view.status,
    ...(view.record ? { record: view.record as Record<string, unknown> } : {}),
    ...(view.plan ? { plan: view.plan } : {}),
    graph,
    ...(view.usage ? { usage: view.usage } : {}),
    agents: view.agents.map(({ subtask, ...a }) => ({ ...a, ...(subtask ? { subtask: subtask.id } : {}) })),
    timeline: buildTimeline(view.journal, coordinatorMail, { running }),
    ...(result !== undefined ? { result } : {}),
    workspaceFiles: view.workspaceFiles,
    humanRequests: humanRequests.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    requests: requests.map((r) => ({ ...shownOf(r), ...(r.reply ? { reply: { kind: r.reply.kind, at: r.reply.at, ...(r.reply.text !== undefined ? { text: r.reply.text } : {}) } } : {}) })),
  };
}

export interface AgentPayload {
  session: string;
  id: string;
  record?: LooseAgentRecord;
  transcript: TranscriptLine[];
  /** Every message in tmp/, new/, cur/ and dead/, in name (send) order. */
  mailbox: StoredMessage[];
  /** The log through pino-pretty, one string per line, and whether older lines were left out. */
  log: { lines: Array<{ level?: number; text: string }>; truncated: boolean };
  stderr?: string;
}

export async function agentPayload(ref: SessionRef, agent: string): Promise<AgentPayload> {
  const paths = agentPaths(ref.dir, agent);
  const [record, transcript, inbox, log, stderr] = await Promise.all([
    readAgentLoose(ref.dir, agent),
    loadTranscript(ref, agent).catch(() => [] as TranscriptLine[]),
    loadInbox(ref, agent, true).catch(() => ({ messages: [] as StoredMessage[] })),
    prettyLog(paths.log),
    fsp.readFile(paths.stderr, 'utf8').catch(() => undefined),
  ]);
  return {
    session: ref.id,
    id: agent,
    ...(record ? { record } : {}),
    transcript,
    mailbox: inbox.messages,
    log,
    ...(stderr ? { stderr: stderr.slice(-20_000) } : {}),
  };
}

const prettify = prettyFactory({ colorize: false, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,session', singleLine: true });

/** An agent's pino log, pretty, newest LOG_LINES lines; a line that is not JSON is shown as it is. */
async function prettyLog(file: string): Promise<AgentPayload['log']> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  // The last line may still be being written: leave it for the next read.
  const all = text.split('\n').slice(0, -1).filter((l) => l.trim());
  const lines = all.slice(-LOG_LINES).map((raw) => {
    try {
      const obj = JSON.parse(raw) as Record<string, unknown>;
      return { ...(typeof obj.level === 'number' ? { level: obj.level } : {}), text: prettify(obj).trimEnd() };
    } catch {
      return { text: raw };
    }
  });
  return { lines, truncated: all.length > LOG_LINES };
}
