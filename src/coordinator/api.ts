/**
 * The library API: `runSession` starts a session, `resumeSession` continues one. The CLI
 * is a thin layer over these two, so everything it does a program can do too.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, SessionNotFoundError, UsageError } from '../errors.js';
import { createFileLogger, type Logger } from '../log.js';
import { LogFailureStop } from './log-failure.js';
import { createMailbox } from '../mailbox/index.js';
import { createModel, modelIdFor, resolveProvider, type ProviderName } from '../model/select.js';
import { withSlowCallNotices } from '../model/slow-calls.js';
import { SessionOptionsSchema, type SessionOptionsInput } from '../config.js';
import { Journal } from '../session/journal.js';
import {
  COORDINATOR_ID,
  SESSION_ID_PATTERN,
  agentPaths,
  resolveRuntimeDir,
  sessionPaths,
  sessionsDir,
} from '../session/layout.js';
import { acquireSessionLock } from '../session/lock.js';
import { createHumanMailbox, createSessionFolder } from '../session/create.js';
import { loadPrices } from '../session/prices.js';
import type { SessionRecord, SessionStatus } from '../session/records.js';
import { readSessionRecord, writeAgentRecord, writeSessionRecord } from '../session/store.js';
import { UsageLedger, type UsageReport } from '../session/usage.js';
import { readJsonIfExists } from '../util/fs.js';
import { Coordinator } from './coordinator.js';
import { EventBus, type SessionEventListener } from './events.js';
import { COORDINATION_TOOLS } from '../calls/tools.js';
import { loadCatalogue, type AgentCatalogue } from '../agents/catalogue.js';
import { checkAgentOptions } from '../agents/check-options.js';
import type { AgentDefinitionInput } from '../agents/schema.js';
import { readCatalogue, writeCatalogue } from '../agents/snapshot.js';
import type { McpServerInput } from '../tools/mcp/config.js';
import type { WorkerLauncher } from '../engine/process/launcher.js';

/** How to run and observe a session, new or resumed. */
export interface ResumeSessionOptions {
  /** Where sessions live; default `./runtime` or MAILROOM_RUNTIME_DIR. */
  runtimeDir?: string;
  /** Receives every session event, in order. */
  onEvent?: SessionEventListener;
  /** Abort to stop the session gracefully (status `interrupted`). */
  signal?: AbortSignal;
  /** Abort (after `signal`) to skip the polite shutdown of workers. */
  forceSignal?: AbortSignal;
  /** pino level for every process's log file. */
  logLevel?: string;
  /** The environment given to worker processes; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where workers run (e.g. worker hosts over redis); default local child processes. Closed at the end. */
  launcher?: LauncherFactory;
}

/** Makes the WorkerLauncher of one session, once its folder and record exist. */
export type LauncherFactory = (session: { dir: string; record: SessionRecord; logger: Logger }) => WorkerLauncher;

/** Options of `runSession`: the session options plus how to run and observe it. */
export interface RunSessionOptions extends SessionOptionsInput, ResumeSessionOptions {
  /**
   * Agents of this session, before every agents folder: definitions (the frontmatter
   * fields plus `prompt`), or paths of agent files or folders.
   */
  agents?: Array<AgentDefinitionInput | string>;
  /** MCP servers (the `.mcp.json` shape), over those of the config file. */
  mcpServers?: Record<string, McpServerInput>;
  /** Home folder for `~/.mailroom/agents/` (default: the user's). */
  homeDir?: string;
}

/** How a session ended. */
export interface SessionOutcome {
  sessionId: string;
  sessionDir: string;
  status: SessionStatus;
  /** The final answer, when the session completed. */
  result?: string;
  /** Why, when it did not complete. */
  reason?: string;
  provider: string;
  usage: UsageReport;
  /** 0 completed, 1 failed, 3 needs a human, 4 detached to wait for people, 130 interrupted. */
  exitCode: number;
  /** True when `resumeSession` found the session already completed and only read its result. */
  alreadyCompleted?: boolean;
}

export function exitCodeFor(status: SessionStatus): number {
  switch (status) {
    case 'completed':
      return 0;
    case 'needs_human':
      return 3;
    case 'waiting':
      return 4;
    case 'interrupted':
      return 130;
    default:
      return 1;
  }
}

/** Starts a new session and runs it to its end. */
export async function runSession(input: RunSessionOptions): Promise<SessionOutcome> {
  const { runtimeDir: runtimeOpt, onEvent, signal, forceSignal, logLevel, env, agents, mcpServers, homeDir, launcher: makeLauncher, ...rest } = input;
  const parsed = SessionOptionsSchema.safeParse(rest);
  if (!parsed.success) throw new ConfigError(`invalid session options: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const options = {
    ...parsed.data,
    sourceRoot: path.resolve(parsed.data.sourceRoot ?? process.env.INIT_CWD ?? process.cwd()),
    scriptFile: parsed.data.scriptFile ? path.resolve(parsed.data.scriptFile) : undefined,
    agentsDir: parsed.data.agentsDir ? path.resolve(parsed.data.agentsDir) : undefined,
    mcpConfig: parsed.data.mcpConfig ? path.resolve(parsed.data.mcpConfig) : undefined,
  };
  // Every agent definition is checked before anything starts: a bad one stops the run here.
  const catalogue: AgentCatalogue = loadCatalogue({
    sourceRoot: options.sourceRoot,
    ...(options.agentsDir ? { agentsDir: options.agentsDir } : {}),
    ...(options.mcpConfig ? { mcpConfig: options.mcpConfig } : {}),
    ...(agents ? { agents } : {}),
    ...(mcpServers ? { mcpServers } : {}),
    ...(homeDir ? { homeDir } : {}),
    env: env ?? process.env,
  });
  checkAgentOptions(options, catalogue);
  const provider = resolveProvider({ provider: options.provider }, env ?? process.env);
  const models = {
    coordinator: modelIdFor('coordinator', options.models.coordinator, provider, env),
    worker: modelIdFor('worker', options.models.worker, provider, env),
    router: modelIdFor('router', options.models.router, provider, env),
  };
  // Build the model first: a missing key or script fails before anything is written.
  const model = await createModel(provider, { provider, scriptFile: options.scriptFile, defaultModel: models.coordinator });

  const runtimeDir = resolveRuntimeDir(runtimeOpt);
  const { dir, record } = await createSessionFolder(runtimeDir, { options, provider, models });
  const id = record.id;
  const paths = sessionPaths(dir);
  const logStop = new LogFailureStop();
  const logger = coordinatorLogger(dir, id, logLevel, logStop);
  const { lock } = await acquireSessionLock(dir, { onCompromised: (err) => logger.error({ err }, 'session lock compromised') });
  await prepareCoordinatorAgent(dir, provider, models.coordinator);
  await writeCatalogue(dir, catalogue);
  const journal = new Journal(paths.journal, () => lock.epoch);
  await journal.append({ type: 'session_started', task: options.task, pid: process.pid });

  const bus = new EventBus();
  if (onEvent) bus.on(onEvent);
  bus.emit({ type: 'session_started', sessionId: id, sessionDir: dir, provider, resumed: false });
  logStop.announceOn(bus, id);
  if (provider === 'offline') {
    bus.emit({ type: 'notice', message: 'no ANTHROPIC_API_KEY set (or --offline): using the built-in offline model, which extracts and never invents' });
  }
  for (const c of catalogue.clashes) bus.emit({ type: 'notice', message: `agent "${c.name}": ${c.kept} overrides ${c.shadowed}` });
  const ledger = new UsageLedger(paths.usage, loadPrices());
  let fenced = false;
  const launcher = makeLauncher?.({ dir, record, logger });
  try {
    // Recorded, so that every later reader of the folder knows where its mail is.
    const placed: SessionRecord = launcher?.kind === 'redis' ? { ...record, transport: 'redis' } : record;
    if (placed !== record) await writeSessionRecord(dir, placed);
    const coordinator = new Coordinator({ sessionDir: dir, record: placed, lock, model: withSlowCallNotices(model, (message) => bus.emit({ type: 'notice', message })), ledger, bus, logger, signal: logStop.signal(signal), forceSignal, env: workerEnv(env, logLevel), catalogue, launcher });
    const outcome = await coordinator.run(false);
    fenced = outcome.fenced === true;
    return { sessionId: id, sessionDir: dir, provider, exitCode: exitCodeFor(outcome.status), ...outcome };
  } finally {
    await launcher?.close();
    // A fenced coordinator's lock is its successor's now: leave it alone.
    if (!fenced) await lock.release();
  }
}

/** Continues an interrupted or crashed session; `ref` is a session id or `latest`. */
export async function resumeSession(ref: string, opts: ResumeSessionOptions = {}): Promise<SessionOutcome> {
  const runtimeDir = resolveRuntimeDir(opts.runtimeDir);
  const dir = await findSession(runtimeDir, ref);
  const id = path.basename(dir);
  const existing = await readSessionRecord(dir);
  if (existing.status === 'completed') return completedOutcome(dir, existing);
  const logStop = new LogFailureStop();
  const logger = coordinatorLogger(dir, id, opts.logLevel, logStop);
  const { lock, record, previousPid } = await acquireSessionLock(dir, { onCompromised: (err) => logger.error({ err }, 'session lock compromised') });
  let fenced = false;
  let launcher: WorkerLauncher | undefined;
  try {
    // Another resume may have finished the session while this one waited for the lock.
    if (record.status === 'completed') return await completedOutcome(dir, record);
    launcher = opts.launcher?.({ dir, record, logger });
    // Its mail is where it was: a session cannot move between Maildirs and Redis.
    const placedOn = launcher?.kind === 'redis' ? 'redis' : 'fs';
    if ((record.transport ?? 'fs') !== placedOn) {
      throw new UsageError(record.transport === 'redis' ? `session ${record.id} runs on the redis transport: resume it with --transport redis --redis <url>` : `session ${record.id} runs on local mailboxes (fs): resume it without --transport redis`);
    }
    const running: SessionRecord = { ...record, status: 'running', reason: undefined, endedAt: undefined };
    await writeSessionRecord(dir, running);
    const provider = running.provider as ProviderName;
    const model = await createModel(provider, { provider, scriptFile: running.options.scriptFile, defaultModel: running.models.coordinator });
    await prepareCoordinatorAgent(dir, provider, running.models.coordinator);
    const bus = new EventBus();
    if (opts.onEvent) bus.on(opts.onEvent);
    bus.emit({ type: 'session_started', sessionId: id, sessionDir: dir, provider, resumed: true });
    logStop.announceOn(bus, id);
    logger.info({ previousPid, epoch: lock.epoch }, 'resuming session');
    const ledger = new UsageLedger(sessionPaths(dir).usage, loadPrices());
    const coordinator = new Coordinator({ sessionDir: dir, record: running, lock, model: withSlowCallNotices(model, (message) => bus.emit({ type: 'notice', message })), ledger, bus, logger, signal: logStop.signal(opts.signal), forceSignal: opts.forceSignal, env: workerEnv(opts.env, opts.logLevel), catalogue: await readCatalogue(dir), launcher });
    const outcome = await coordinator.run(true);
    fenced = outcome.fenced === true;
    return { sessionId: id, sessionDir: dir, provider, exitCode: exitCodeFor(outcome.status), ...outcome };
  } finally {
    await launcher?.close();
    if (!fenced) await lock.release();
  }
}

/** The outcome of resuming a session that is already completed: its result, no model call. */
async function completedOutcome(dir: string, record: SessionRecord): Promise<SessionOutcome> {
  const result = await fs.readFile(sessionPaths(dir).result, 'utf8').catch(() => undefined);
  const usage = (await readJsonIfExists<UsageReport>(sessionPaths(dir).usage)) ?? new UsageLedger(sessionPaths(dir).usage, {}).report();
  return { sessionId: path.basename(dir), sessionDir: dir, status: 'completed', provider: record.provider, usage, exitCode: 0, alreadyCompleted: true, ...(result !== undefined ? { result: result.trimEnd() } : {}) };
}

/** Resolves a session id or `latest` to its folder. */
export async function findSession(runtimeDir: string, ref: string): Promise<string> {
  const root = sessionsDir(runtimeDir);
  if (ref === 'latest') {
    const ids = (await fs.readdir(root).catch(() => [] as string[])).filter((n) => SESSION_ID_PATTERN.test(n)).sort();
    const last = ids.at(-1);
    if (!last) throw new SessionNotFoundError(ref, root);
    return path.join(root, last);
  }
  if (!SESSION_ID_PATTERN.test(ref)) throw new SessionNotFoundError(ref, root);
  const dir = path.join(root, ref);
  try {
    await fs.access(sessionPaths(dir).sessionJson);
  } catch {
    throw new SessionNotFoundError(ref, root);
  }
  return dir;
}

/** Workers log at the session's level (--verbose reaches them through LOG_LEVEL). */
function workerEnv(env: NodeJS.ProcessEnv | undefined, logLevel: string | undefined): NodeJS.ProcessEnv | undefined {
  return logLevel ? { ...(env ?? process.env), LOG_LEVEL: logLevel } : env;
}

function coordinatorLogger(dir: string, sessionId: string, level: string | undefined, stop: LogFailureStop): Logger {
  return createFileLogger(agentPaths(dir, COORDINATOR_ID).log, { agent: COORDINATOR_ID, session: sessionId }, level, { onWriteError: (err) => stop.fail(err) });
}

async function prepareCoordinatorAgent(dir: string, provider: string, model: string): Promise<void> {
  await createMailbox(dir, COORDINATOR_ID);
  await createHumanMailbox(dir);
  await writeAgentRecord(dir, {
    v: 1,
    id: COORDINATOR_ID,
    role: 'coordinator',
    subtask: '-',
    tools: Object.keys(COORDINATION_TOOLS),
    model: provider === 'anthropic' ? model : provider,
    pid: process.pid,
    status: 'running',
    attempt: 1,
    startedAt: new Date().toISOString(),
  });
}
