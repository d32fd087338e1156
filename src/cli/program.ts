/** The CLI's commands and options (commander), and how each maps onto the library API. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PATTERNS, PROVIDERS } from '../config.js';
import { runSession, resumeSession, type SessionOutcome } from '../coordinator/api.js';
import { launcherFrom, redisOption, type TransportFlags } from './transport-options.js';
import { registerWorkerHost } from './worker-host.js';
import type { SessionEventListener } from '../coordinator/events.js';
import { ConfigError, UsageError } from '../errors.js';
import { chooseProgress } from './live.js';
import { registerInspectCommands } from './register-inspect.js';
import { registerAgentCommands } from './agents-cmd.js';
import { registerUiCommand } from './register-ui.js';
import { registerPeopleCommands } from './register-people.js';
import { addPeopleOptions, peopleOptionsFrom, type PeopleFlags } from './people-options.js';
import { killSession } from '../coordinator/control.js';
import { exitCodeForError } from './errors.js';

function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number, got "${value}"`);
    return n;
  };
}

function count(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, 0 or more, got "${value}"`);
    return n;
  };
}

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

interface RunFlags extends TransportFlags, PeopleFlags {
  resume?: string;
  offline?: boolean;
  provider?: (typeof PROVIDERS)[number];
  pattern?: (typeof PATTERNS)[number];
  model?: string;
  workerModel?: string;
  routerModel?: string;
  maxWorkers?: number;
  warm?: number;
  maxTurns?: number;
  maxTokens?: number;
  timeout?: number;
  attempts?: number;
  heartbeatMs?: number;
  heartbeatMisses?: number;
  shutdownGraceMs?: number;
  termGraceMs?: number;
  runtimeDir?: string;
  source?: string;
  includePrivateFiles?: boolean;
  fetchAllow?: string[];
  serverTools?: boolean;
  script?: string;
  budgetTokens?: number;
  budgetUsd?: number;
  stages?: string[];
  agents?: string;
  mcpConfig?: string;
  producer?: string;
  reviewer?: string;
  debaterAgents?: string[];
  routeFallback?: string;
  debaters?: number;
  models?: string[];
  threshold?: number;
  maxRounds?: number;
  maxAttempts?: number;
  progressive?: boolean;
  live?: boolean;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function buildProgram(io: { out: (s: string) => void; err: (s: string) => void }, setExit: (code: number) => void): Command {
  const program = new Command('mailroom');
  program
    .description('A multi-process agent runtime: a coordinator plans, worker processes do the subtasks, and everything is files on disk.')
    .argument('[task...]', 'the task, in plain words')
    .option('--resume <id|latest>', 'continue an interrupted session without redoing finished work')
    .option('--offline', 'use the built-in offline model even if ANTHROPIC_API_KEY is set')
    .addOption(new Option('--provider <name>', 'model provider').choices([...PROVIDERS]))
    .addOption(new Option('--pattern <name>', 'orchestration pattern').choices([...PATTERNS]).default('coordinator'))
    .option('--model <id>', 'coordinator model (env MAILROOM_MODEL)')
    .option('--worker-model <id>', 'worker model (env MAILROOM_WORKER_MODEL)')
    .option('--router-model <id>', 'routing/classification model (env MAILROOM_ROUTER_MODEL)')
    .option('--max-workers <n>', 'workers running at once', int('--max-workers'))
    .option('--warm <n>', 'spare worker processes kept started and idle for the next subtasks (default 1; 0 = none)', count('--warm'))
    .option('--max-turns <n>', 'model turns per worker', int('--max-turns'))
    .option('--max-tokens <n>', 'tokens per worker', int('--max-tokens'))
    .option('--timeout <seconds>', 'wall-clock limit per worker attempt', positive('--timeout'))
    .option('--attempts <n>', 'attempts per subtask, the first included', int('--attempts'))
    .option('--heartbeat-ms <ms>', 'worker heartbeat interval', int('--heartbeat-ms'))
    .option('--heartbeat-misses <n>', 'missed heartbeats before a worker counts as crashed', int('--heartbeat-misses'))
    .option('--shutdown-grace-ms <ms>', 'termination ladder: wait after the shutdown message before SIGTERM', int('--shutdown-grace-ms'))
    .option('--term-grace-ms <ms>', 'termination ladder: wait after SIGTERM before SIGKILL', int('--term-grace-ms'))
    .option('--runtime-dir <dir>', 'where sessions live (env MAILROOM_RUNTIME_DIR; default ./runtime)')
    .option('--transport <fs|redis>', 'fs: workers on this machine (default); redis: workers on `mailroom worker-host` daemons')
    .option('--redis <url>', 'with --transport redis: redis://[:password@]host:port or rediss://… (env MAILROOM_REDIS_URL)')
    .option('--source <dir>', 'folder the research tools may search and read (default: the current folder)')
    .option('--include-private-files', 'let research tools read the runtime folder and secret-looking files (.env*, *.pem, id_*) in --source')
    .option('--fetch-allow <hosts>', 'comma-separated hosts fetch_url may reach even if private', list)
    .option('--no-server-tools', "don't offer Anthropic's web_search/web_fetch (for compatible endpoints that lack them)")
    .option('--script <file>', 'a script for the scripted provider (tests, benches)')
    .option('--budget-tokens <n>', 'hard token budget for the whole session', int('--budget-tokens'))
    .option('--budget-usd <usd>', 'hard cost budget for the whole session', positive('--budget-usd'))
    .option('--agents <dir>', 'agent definitions (Markdown with YAML frontmatter) that come before .mailroom/agents/, ~/.mailroom/agents/ and the built-in ones')
    .option('--mcp-config <file>', 'MCP servers, in the .mcp.json shape (default: .mailroom/mcp.json in the source folder)')
    .option('--stages <list>', 'pipeline: comma-separated agents, one per stage (default research,analysis,writing,review)', list)
    .option('--producer <agent>', 'reflect: the agent that writes (default writing)')
    .option('--reviewer <agent>', 'reflect: the agent that reviews, with a structured score (default review)')
    .option('--debater-agents <list>', 'debate: comma-separated agents that debate, cycled (default research)', list)
    .option('--route-fallback <agent>', 'route: the generalist for tasks no specialist fits (default research)')
    .option('--debaters <n>', 'debate: number of debaters', int('--debaters'))
    .option('--models <list>', 'debate: comma-separated model ids, one per debater', list)
    .option('--threshold <score>', 'reflect: review score to reach, 0..1', positive('--threshold'))
    .option('--max-rounds <n>', 'reflect: production rounds before asking a human', int('--max-rounds'))
    // Renamed: it was easy to confuse with --attempts (attempts per subtask).
    .addOption(new Option('--max-attempts <n>').hideHelp().argParser(() => {
      throw new InvalidArgumentError('--max-attempts is now --max-rounds (reflect rounds); --attempts sets the attempts per subtask');
    }))
    .option('--progressive', 'coordinator: keep a running draft as results arrive')
    .option('--no-live', "coordinator: don't consult the coordinator's model while workers run")
    .option('--json', 'print one JSON object (result, status, usage, session id) on stdout')
    .option('-q, --quiet', 'show errors only on stderr')
    .option('-v, --verbose', 'debug-level logs in the session files');
  addPeopleOptions(program);
  program
    // Options after a subcommand belong to it (both `run` and `kill` take --runtime-dir).
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .action(async (taskWords: string[], flags: RunFlags) => {
      setExit(await runCommand(taskWords.join(' ').trim(), flags, io));
    });

  program
    .command('kill')
    .description('stop a whole session, or one of its workers (shutdown message, then SIGTERM, then SIGKILL)')
    .argument('<session>', 'session id, or "latest"')
    .argument('[agent]', 'worker agent id, e.g. w01-research; omit to stop the whole session')
    .option('--runtime-dir <dir>', 'where sessions live')
    .option('--reason <text>', 'recorded in the journal', 'requested by the operator')
    .option('--redis [url]', "the session's Redis (redis transport): a worker on a worker host is stopped by that host (url, or MAILROOM_REDIS_URL)")
    .action(async (session: string, agent: string | undefined, flags: { runtimeDir?: string; reason: string; redis?: string | boolean }) => {
      setExit(await killCommand(session, agent, flags, io));
    });
  registerInspectCommands(program, io, setExit);
  registerAgentCommands(program, io, setExit);
  registerUiCommand(program, io, setExit);
  registerPeopleCommands(program, io, setExit);
  registerWorkerHost(program, io, setExit);
  return program;
}

/** Runs the CLI with argv (without node and script); resolves with the exit code. */
export async function runCli(argv: string[], io = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) }): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every parse error is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    return exitCodeForError(err, io);
  }
}

async function runCommand(task: string, flags: RunFlags, io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  if (!task && !flags.resume) throw new UsageError('give a task, e.g. mailroom "Summarize how this folder handles errors", or --resume <id|latest>');
  if (task && flags.resume) throw new UsageError('give either a task or --resume, not both');
  if (flags.offline && flags.provider && flags.provider !== 'offline') throw new UsageError(`--offline conflicts with --provider ${flags.provider}`);
  const logLevel = flags.verbose ? 'debug' : undefined;
  // The live view on a terminal (not in CI, not with --quiet/--json), else plain lines.
  const progress = chooseProgress(io, { quiet: flags.quiet, json: flags.json });
  const listener: SessionEventListener | undefined = progress.listener;

  // Ctrl-C once: stop gracefully (workers are shut down, status "interrupted"). Twice: force.
  const graceful = new AbortController();
  const force = new AbortController();
  const onSigint = () => {
    if (!graceful.signal.aborted) {
      progress.print('\ninterrupting: shutting workers down (Ctrl-C again to force)\n');
      graceful.abort();
    } else {
      force.abort();
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let outcome: SessionOutcome;
  try {
    const launcher = launcherFrom(flags);
    if (flags.resume) {
      outcome = await resumeSession(flags.resume, { runtimeDir: flags.runtimeDir, onEvent: listener, signal: graceful.signal, forceSignal: force.signal, logLevel, launcher });
    } else {
      outcome = await runSession({
        task,
        pattern: flags.pattern,
        provider: flags.offline ? 'offline' : (flags.provider ?? (flags.script ? 'scripted' : 'auto')),
        models: { coordinator: flags.model, worker: flags.workerModel, router: flags.routerModel },
        ...(flags.maxWorkers ? { maxWorkers: flags.maxWorkers } : {}),
        ...(flags.warm !== undefined ? { warm: flags.warm } : {}),
        limits: {
          ...(flags.maxTurns ? { maxTurns: flags.maxTurns } : {}),
          ...(flags.maxTokens ? { maxTokens: flags.maxTokens } : {}),
          ...(flags.timeout ? { wallClockMs: Math.round(flags.timeout * 1000) } : {}),
        },
        ...(flags.attempts ? { maxAttempts: flags.attempts } : {}),
        ...(flags.heartbeatMs ? { heartbeatIntervalMs: flags.heartbeatMs } : {}),
        ...(flags.heartbeatMisses ? { heartbeatMisses: flags.heartbeatMisses } : {}),
        ...(flags.shutdownGraceMs ? { shutdownGraceMs: flags.shutdownGraceMs } : {}),
        ...(flags.termGraceMs ? { termGraceMs: flags.termGraceMs } : {}),
        ...(flags.source ? { sourceRoot: flags.source } : {}),
        ...(flags.includePrivateFiles ? { includePrivateFiles: true } : {}),
        ...(flags.fetchAllow ? { fetchAllowHosts: flags.fetchAllow } : {}),
        serverTools: flags.serverTools !== false,
        ...(flags.script ? { scriptFile: flags.script } : {}),
        ...(flags.budgetTokens ? { budgetTokens: flags.budgetTokens } : {}),
        ...(flags.budgetUsd ? { budgetUsd: flags.budgetUsd } : {}),
        ...(flags.agents ? { agentsDir: flags.agents } : {}),
        ...(flags.mcpConfig ? { mcpConfig: flags.mcpConfig } : {}),
        // Each pattern's flags map into its own options.
        pipeline: { ...(flags.stages ? { stages: flags.stages } : {}) },
        debate: { ...(flags.debaters ? { debaters: flags.debaters } : {}), ...(flags.models ? { models: flags.models } : {}), ...(flags.debaterAgents ? { agents: flags.debaterAgents } : {}) },
        reflect: {
          ...(flags.threshold !== undefined ? { threshold: flags.threshold } : {}),
          ...(flags.maxRounds ? { maxRounds: flags.maxRounds } : {}),
          ...(flags.producer ? { producer: flags.producer } : {}),
          ...(flags.reviewer ? { reviewer: flags.reviewer } : {}),
        },
        route: { ...(flags.routeFallback ? { fallback: flags.routeFallback } : {}) },
        ...(flags.progressive ? { progressive: true } : {}),
        liveCoordination: flags.live !== false,
        ...peopleOptionsFrom(flags),
        runtimeDir: flags.runtimeDir,
        onEvent: listener,
        signal: graceful.signal,
        forceSignal: force.signal,
        logLevel,
        launcher,
      });
    }
  } catch (err) {
    // A bad option value is a usage error (exit 2); a missing key or a held lock is not.
    return exitCodeForError(err instanceof ConfigError ? new UsageError(err.message, { cause: err }) : err, io);
  } finally {
    progress.close();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }

  if (flags.json) {
    io.out(
      JSON.stringify({
        sessionId: outcome.sessionId,
        sessionDir: outcome.sessionDir,
        status: outcome.status,
        result: outcome.result ?? null,
        reason: outcome.reason ?? null,
        provider: outcome.provider,
        usage: outcome.usage,
      }) + '\n',
    );
  } else if (outcome.result !== undefined) {
    io.out(outcome.result.endsWith('\n') ? outcome.result : outcome.result + '\n');
  }
  if (!flags.quiet && !flags.json) {
    const t = outcome.usage.total;
    io.err(
      `session ${outcome.sessionId} ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}; ` +
        `${t.input_tokens + t.output_tokens} tokens in ${t.calls} model call(s)${outcome.usage.costUsd ? `, $${outcome.usage.costUsd}` : ''}; files: ${outcome.sessionDir}\n`,
    );
  }
  return outcome.exitCode;
}

async function killCommand(session: string, agent: string | undefined, flags: { runtimeDir?: string; reason: string; redis?: string | boolean }, io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  try {
    const outcome = await killSession(session, agent, { runtimeDir: flags.runtimeDir, reason: flags.reason, ...redisOption(flags.redis) });
    for (const s of outcome.stopped) io.err(`stopped ${s.agent} (pid ${s.pid}${s.host ? ` on host ${s.host}` : ''}, ${s.step})\n`);
    for (const u of outcome.unconfirmed ?? []) io.err(`asked the coordinator to stop ${u.agent} on worker host ${u.host} (give --redis to wait until it is gone)\n`);
    if (outcome.stopped.length === 0 && outcome.alive.length === 0 && !outcome.unconfirmed) io.err(`no live worker ${agent ? `"${agent}" ` : ''}in session ${outcome.sessionId}\n`);
    if (outcome.alive.length > 0) {
      io.err(`still alive: ${outcome.alive.join(', ')}\n`);
      return 1;
    }
    io.err(`session ${outcome.sessionId}: ${agent ? `worker ${agent}` : 'session'} stopped (via ${outcome.via})\n`);
    return 0;
  } catch (err) {
    return exitCodeForError(err, io);
  }
}
