/**
 * One session gathered from its files: the agents with status, attempts, pid, mailbox
 * counts and usage, what each subtask produced or why it failed, and where the answer is.
 * `mailroom show` prints it; the viewer (src/ui) serves it.
 */
import fsp from 'node:fs/promises';
import type { Plan } from '../contracts/plan.js';
import { isSpareId } from '../contracts/spares.js';
import { FsTransport } from '../mailbox/fs-transport.js';
import type { MailboxTransport } from '../mailbox/transport.js';
import { remoteWorkers, type RemoteWorker } from '../worker-host/remote-kill.js';
import { withRedisTransport } from './remote.js';
import type { MaildirFolder } from '../mailbox/maildir.js';
import type { JournalEntry } from '../session/journal.js';
import { COORDINATOR_ID, sessionPaths } from '../session/layout.js';
import type { AgentUsage, UsageReport } from '../session/usage.js';
import { isPidAlive } from '../util/fs.js';
import {
  effectiveStatus,
  listSpares,
  readAgentLoose,
  readJournal,
  readPlan,
  readSessionLoose,
  readUsage,
  sessionAgents,
  type LooseAgentRecord,
  type LooseSessionRecord,
  type SessionRef,
} from './session-data.js';

export interface AgentView {
  id: string;
  record?: LooseAgentRecord;
  status: string;
  /** Attempts started: the highest of agent.json's attempt and the journal's spawns. */
  attempts: number;
  pid?: number;
  pidAlive: boolean;
  mailbox?: Record<MaildirFolder, number>;
  usage?: AgentUsage;
  /** The latest result output, from the journal. */
  result?: string;
  /** The last failure, from the journal. */
  failure?: { error: string; final: boolean; attempt: number };
  subtask?: Plan['subtasks'][number];
  /** The warm spare whose process ran this agent's last attempt (from the journal). */
  ranOnSpare?: string;
  /** For a warm spare: the agent it became, or undefined while idle or when it ended unused. */
  spareBecame?: string;
}

export interface SessionView {
  ref: SessionRef;
  record?: LooseSessionRecord;
  status: string;
  plan?: Plan;
  usage?: UsageReport;
  agents: AgentView[];
  /** Warm spares' own folders (agents/spare-NN): what each became, or that it went unused. */
  spares: AgentView[];
  resultFile?: { path: string; bytes: number };
  /** Subtasks of the plan no worker was spawned for (yet, or ever: the session ended first). */
  notSpawned: Plan['subtasks'];
  workspaceFiles: string[];
  journal: JournalEntry[];
}

/** Gathers everything `show` prints. */
export async function loadSessionView(ref: SessionRef): Promise<SessionView> {
  const [record, plan, usage, journal, agentIds] = await Promise.all([
    readSessionLoose(ref.dir),
    readPlan(ref.dir),
    readUsage(ref.dir),
    readJournal(ref.dir),
    sessionAgents(ref),
  ]);
  // Warm spares' own folders are listed apart (never read through Redis: spares are local only).
  const ids = [...agentIds, ...(await listSpares(ref.dir))];
  const status = effectiveStatus(record);
  // A redis session's mail is in its streams: without Redis here, no counts rather than zeros.
  const counts = record?.transport === 'redis' && !ref.redisUrl ? new Map<string, Record<MaildirFolder, number>>() : await mailboxCounts(ref, ids);
  // Read through Redis, a worker on a host is alive while its host keeps its alive key.
  const onHosts: Map<string, RemoteWorker> | undefined = ref.redisUrl ? await remoteWorkers(ref.redisUrl, ref.id, ids) : undefined;
  const all = await Promise.all(
    ids.map(async (id): Promise<AgentView> => {
      const rec = await readAgentLoose(ref.dir, id);
      const mailbox = counts.get(id);
      const spawnEvents = journal.filter((e): e is Extract<JournalEntry, { type: 'spawn' }> => e.type === 'spawn' && e.agent === id);
      const spawns = spawnEvents.length;
      // A reattach with `spare` stands for a hand-over whose spawn line a crash cut off.
      const onSpare = journal.filter((e): e is Extract<JournalEntry, { type: 'spawn' | 'reattach' }> => (e.type === 'spawn' || e.type === 'reattach') && e.agent === id && (e.type === 'spawn' || e.spare !== undefined));
      const ranOnSpare = onSpare.at(-1)?.spare;
      const spareBecame = journal.find((e): e is Extract<JournalEntry, { type: 'spawn' | 'reattach' }> => (e.type === 'spawn' || e.type === 'reattach') && e.spare === id)?.agent;
      const lastResult = journal.findLast((e): e is Extract<JournalEntry, { type: 'result' }> => e.type === 'result' && e.agent === id);
      const lastFailure = journal.findLast((e): e is Extract<JournalEntry, { type: 'failure' }> => e.type === 'failure' && e.agent === id);
      let agentStatus = rec?.status ?? 'unknown';
      // The coordinator's agent.json is written when it starts; the session's status is its real state.
      if (id === COORDINATOR_ID && agentStatus === 'running' && status !== 'running') agentStatus = status;
      // A pid on a worker host is another machine's: only its alive key in Redis tells.
      const remote = rec?.host !== undefined;
      const checkable = !remote || onHosts !== undefined;
      const pidAlive =
        rec?.pid !== undefined && agentStatus === 'running' && (remote ? onHosts?.get(id)?.pid === rec.pid : isPidAlive(rec.pid));
      if (checkable && agentStatus === 'running' && rec?.pid !== undefined && !pidAlive) agentStatus = 'running?';
      return {
        id,
        ...(rec ? { record: rec } : {}),
        status: agentStatus,
        attempts: Math.max(rec?.attempt ?? 0, spawns, id === COORDINATOR_ID ? 1 : 0),
        ...(rec?.pid !== undefined ? { pid: rec.pid } : {}),
        pidAlive,
        ...(mailbox ? { mailbox } : {}),
        ...(usage?.agents?.[id] ? { usage: usage.agents[id] } : {}),
        ...(lastResult ? { result: lastResult.output } : {}),
        ...(lastFailure && (!lastResult || lastFailure.t > lastResult.t)
          ? { failure: { error: lastFailure.error, final: lastFailure.final, attempt: lastFailure.attempt } }
          : {}),
        ...(rec?.subtask && plan && rec.role !== 'spare' && !spareBecame ? { subtask: plan.subtasks.find((s) => s.id === rec.subtask) } : {}),
        ...(ranOnSpare ? { ranOnSpare } : {}),
        ...(spareBecame ? { spareBecame } : {}),
      };
    }),
  );
  const spares = all.filter((a) => isSpareId(a.id));
  const agents = all.filter((a) => !isSpareId(a.id));
  const paths = sessionPaths(ref.dir);
  const resultStat = await fsp.stat(paths.result).catch(() => undefined);
  const workspaceFiles = await listFiles(paths.workspace);
  return {
    ref,
    ...(record ? { record } : {}),
    status,
    ...(plan ? { plan } : {}),
    ...(usage ? { usage } : {}),
    agents,
    spares,
    ...(resultStat ? { resultFile: { path: paths.result, bytes: resultStat.size } } : {}),
    notSpawned: (plan?.subtasks ?? []).filter((st) => !agents.some((a) => a.subtask?.id === st.id)),
    workspaceFiles,
    journal,
  };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) out.push(...(await listFiles(`${dir}/${e.name}`, `${prefix}${e.name}/`)));
    else out.push(prefix + e.name);
  }
  return out;
}

/** Messages per folder of each agent's mailbox, through its transport (an unreadable one is left out). */
async function mailboxCounts(ref: SessionRef, ids: string[]): Promise<Map<string, Record<MaildirFolder, number>>> {
  const read = async (t: MailboxTransport) => {
    const out = new Map<string, Record<MaildirFolder, number>>();
    for (const id of ids) {
      const c = await t.count(id).catch(() => undefined);
      if (c) out.set(id, c);
    }
    return out;
  };
  return ref.redisUrl ? withRedisTransport(ref.redisUrl, ref.id, read) : read(new FsTransport(ref.dir, ref.id));
}
