/** `mailroom deny <session> <request> --reason <text>`: the model gets the reason as the tool's error. */
import type { Command } from 'commander';
import { REPLY_REDIS_HELP, replyCommand, runtimeDirOf, type PeopleIo } from './reply.js';

export function registerDeny(program: Command, io: PeopleIo, setExit: (code: number) => void): void {
  program
    .command('deny')
    .description('deny a tool call that waits for a person; the model sees your reason')
    .argument('<session>', 'session id, or "latest"')
    .argument('<request>', 'request id')
    .requiredOption('--reason <text>', 'why; the model sees it as the tool call\'s error')
    .option('--runtime-dir <dir>', 'where sessions live')
    .option('--redis [url]', REPLY_REDIS_HELP)
    .action(async (session: string, request: string, flags: { reason: string; runtimeDir?: string; redis?: string | boolean }) => {
      setExit(await replyCommand(io, { runtimeDir: runtimeDirOf(program, flags), redis: flags.redis }, session, request, { kind: 'denial', reason: flags.reason }));
    });
}
