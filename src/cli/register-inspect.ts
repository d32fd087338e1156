/**
 * The inspection subcommands: `sessions`, `show`, `inbox`, `transcript` and `logs`. They
 * only read files (no lock is taken), so they are safe to run next to a live session.
 * Exit codes: 0 done, 1 an error reading the session, 2 a bad reference (unknown session
 * or agent, bad option), 130 `logs -f` stopped with Ctrl-C.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { formatInbox, loadInbox } from './inspect/inbox.js';
import { printLogs } from './inspect/logs.js';
import { openSession, requireAgent } from './inspect/session-data.js';
import { formatSessions, listSessions } from './inspect/sessions.js';
import { formatShow, loadSessionView } from './inspect/show.js';
import { formatTranscript, loadTranscript } from './inspect/transcript.js';
import { redisOption } from './transport-options.js';

export interface InspectIo {
  out: (s: string) => void;
  err: (s: string) => void;
}
import { exitCodeForError } from './errors.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** What the terminal on stdout can do; only used for layout and colors. */
function stdoutInfo(): { columns?: number; colors: boolean } {
  const tty = process.stdout.isTTY === true;
  return {
    ...(tty && process.stdout.columns ? { columns: process.stdout.columns } : {}),
    colors: tty && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
  };
}

const REDIS_HELP = 'read a redis-transport session through Redis, from any machine (url, or MAILROOM_REDIS_URL)';

/** Runs one command body, mapping errors to messages and exit codes. */
async function guarded(io: InspectIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    return exitCodeForError(err, io);
  }
}

/** Adds the inspection subcommands to the program. */
export function registerInspectCommands(program: Command, io: InspectIo, setExit: (code: number) => void): void {
  const runtimeHelp = 'where sessions live (env MAILROOM_RUNTIME_DIR; default ./runtime)';
  // `mailroom --runtime-dir X show latest` works too: the root command's option is the fallback.
  const runtimeDir = (flags: { runtimeDir?: string }) => flags.runtimeDir ?? (program.opts() as { runtimeDir?: string }).runtimeDir;

  program
    .command('sessions')
    .description('list sessions, oldest first and newest last: status, age, agents, tokens, cost, task')
    .option('--runtime-dir <dir>', runtimeHelp)
    .action(async (flags: { runtimeDir?: string }) => {
      setExit(
        await guarded(io, async () => {
          const { root, sessions } = await listSessions(runtimeDir(flags));
          if (sessions.length === 0) io.err(`no sessions under ${root}\n`);
          else io.out(formatSessions(sessions, { columns: stdoutInfo().columns }));
          return 0;
        }),
      );
    });

  program
    .command('show')
    .description('one session: its agent tree with status, attempts, pid, mailbox counts, usage and cost; results; where the answer is')
    .argument('<session>', 'session id, or "latest"')
    .option('--redis [url]', `${REDIS_HELP}: mailbox counts from the streams, and whether each worker on a host is alive`)
    .option('--runtime-dir <dir>', runtimeHelp)
    .action(async (session: string, flags: { runtimeDir?: string; redis?: string | boolean }) => {
      setExit(
        await guarded(io, async () => {
          const ref = await openSession(runtimeDir(flags), session, redisOption(flags.redis));
          io.out(formatShow(await loadSessionView(ref), { columns: stdoutInfo().columns }));
          return 0;
        }),
      );
    });

  program
    .command('inbox')
    .description("an agent's messages in send order: handled (cur/) and waiting (new/); --all adds dead/ with reasons, and tmp/")
    .argument('<session>', 'session id, or "latest"')
    .argument('<agent>', 'agent id, e.g. coordinator or w01-research')
    .option('-a, --all', 'include dead/ (rejected files, with why) and tmp/ (being written)')
    .option('--redis [url]', `${REDIS_HELP}: the mailbox stream, as folders`)
    .option('--runtime-dir <dir>', runtimeHelp)
    .action(async (session: string, agent: string, flags: { runtimeDir?: string; all?: boolean; redis?: string | boolean }) => {
      setExit(
        await guarded(io, async () => {
          const ref = await openSession(runtimeDir(flags), session, redisOption(flags.redis));
          await requireAgent(ref, agent);
          io.out(formatInbox(agent, await loadInbox(ref, agent, flags.all === true), { columns: stdoutInfo().columns }));
          return 0;
        }),
      );
    });

  program
    .command('transcript')
    .description("an agent's conversation: roles, text, tool calls and results (abbreviated), errors marked !!")
    .argument('<session>', 'session id, or "latest"')
    .argument('<agent>', 'agent id, e.g. w01-research')
    .option('--full', "don't abbreviate texts, tool inputs and tool results")
    .option('--redis [url]', `${REDIS_HELP}: a worker's transcript stream when the file is not here`)
    .option('--runtime-dir <dir>', runtimeHelp)
    .action(async (session: string, agent: string, flags: { runtimeDir?: string; full?: boolean; redis?: string | boolean }) => {
      setExit(
        await guarded(io, async () => {
          const ref = await openSession(runtimeDir(flags), session, redisOption(flags.redis));
          await requireAgent(ref, agent);
          io.out(formatTranscript(agent, await loadTranscript(ref, agent), { full: flags.full === true, columns: stdoutInfo().columns }));
          return 0;
        }),
      );
    });

  program
    .command('logs')
    .description('pino logs, pretty: one agent, or all agents merged by time; -f follows until the session ends or Ctrl-C')
    .argument('<session>', 'session id, or "latest"')
    .argument('[agent]', 'agent id; omit for every agent')
    .option('-f, --follow', 'keep printing new lines until the session ends (or Ctrl-C)')
    .option('--level <level>', `lowest level shown (${LEVELS.join(', ')})`)
    .option('--redis [url]', `${REDIS_HELP}: a worker's log stream when the file is not here`)
    .option('--runtime-dir <dir>', runtimeHelp)
    .action(async (session: string, agent: string | undefined, flags: { runtimeDir?: string; follow?: boolean; level?: string; redis?: string | boolean }) => {
      setExit(
        await guarded(io, async () => {
          if (flags.level && !LEVELS.includes(flags.level)) throw new UsageError(`--level must be one of ${LEVELS.join(', ')}, got "${flags.level}"`);
          const ref = await openSession(runtimeDir(flags), session, redisOption(flags.redis));
          if (agent) await requireAgent(ref, agent);
          const stop = new AbortController();
          const onSigint = () => stop.abort();
          if (flags.follow) process.on('SIGINT', onSigint);
          try {
            const end = await printLogs(
              ref,
              {
                ...(agent ? { agent } : {}),
                follow: flags.follow === true,
                colorize: stdoutInfo().colors,
                ...(flags.level ? { level: flags.level } : {}),
                signal: stop.signal,
              },
              io.out,
            );
            return end === 'interrupted' ? 130 : 0;
          } finally {
            process.off('SIGINT', onSigint);
          }
        }),
      );
    });
}
