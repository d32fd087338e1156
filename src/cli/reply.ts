/** What `approve`, `deny` and `answer` share: one reply through `respond`, reported on stderr. */
import type { Command } from 'commander';
import path from 'node:path';
import { findSession } from '../coordinator/api.js';
import { resolveRuntimeDir } from '../session/layout.js';
import { respond, type PersonReply } from '../people/respond.js';
import { exitCodeForError } from './errors.js';
import { redisOption } from './transport-options.js';

export interface PeopleIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const REPLY_REDIS_HELP = "the session's Redis, for a session on the redis transport (url; default MAILROOM_REDIS_URL)";

/** Where a reply command looks: the runtime dir, and the Redis of a redis-transport session. */
export interface ReplyWhere {
  runtimeDir: string | undefined;
  redis: string | boolean | undefined;
}

/** Sends one reply for a CLI command and reports it; resolves with the exit code. */
export async function replyCommand(io: PeopleIo, where: ReplyWhere, session: string, request: string, reply: PersonReply): Promise<number> {
  try {
    const dir = await findSession(resolveRuntimeDir(where.runtimeDir), session);
    // A redis session's requester reads a stream: MAILROOM_REDIS_URL serves without the flag.
    const redis = redisOption(where.redis ?? (process.env.MAILROOM_REDIS_URL ? true : undefined));
    const { request: r } = await respond(dir, request, reply, redis);
    const verb = reply.kind === 'approval' ? 'approved' : reply.kind === 'denial' ? 'denied' : 'answered';
    io.err(`${verb} request ${request} of ${r.agent} (${r.kind === 'approval' ? r.summary : 'question'}) in session ${path.basename(dir)}\n`);
    return 0;
  } catch (err) {
    return exitCodeForError(err, io);
  }
}

/** The runtime dir of a subcommand: its own flag, else the program's. */
export function runtimeDirOf(program: Command, flags: { runtimeDir?: string }): string | undefined {
  return flags.runtimeDir ?? (program.opts() as { runtimeDir?: string }).runtimeDir;
}

