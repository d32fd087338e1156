/** `mailroom approve <session> <request> [--note]`: a person lets a waiting tool call run. */
import type { Command } from 'commander';
import { REPLY_REDIS_HELP, replyCommand, runtimeDirOf, type PeopleIo } from './reply.js';

export function registerApprove(program: Command, io: PeopleIo, setExit: (code: number) => void): void {
  program
    .command('approve')
    .description('approve a tool call that waits for a person (see mailroom pending)')
    .argument('<session>', 'session id, or "latest"')
    .argument('<request>', 'request id')
    .option('--note <text>', 'a note for the record')
    .option('--runtime-dir <dir>', 'where sessions live')
    .option('--redis [url]', REPLY_REDIS_HELP)
    .action(async (session: string, request: string, flags: { note?: string; runtimeDir?: string; redis?: string | boolean }) => {
      setExit(await replyCommand(io, { runtimeDir: runtimeDirOf(program, flags), redis: flags.redis }, session, request, { kind: 'approval', ...(flags.note ? { note: flags.note } : {}) }));
    });
}
