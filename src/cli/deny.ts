/** `mailroom deny <session> <request> --reason <text>`: the model gets the reason as the tool's error. */
import type { Command } from 'commander';
import { replyCommand, runtimeDirOf, type PeopleIo } from './reply.js';

export function registerDeny(program: Command, io: PeopleIo, setExit: (code: number) => void): void {
  program
    .command('deny')
    .description('deny a tool call that waits for a person; the model sees your reason')
    .argument('<session>', 'session id, or "latest"')
    .argument('<request>', 'request id')
    .requiredOption('--reason <text>', 'why; the model sees it as the tool call\'s error')
    .option('--runtime-dir <dir>', 'where sessions live')
    .action(async (session: string, request: string, flags: { reason: string; runtimeDir?: string }) => {
      setExit(await replyCommand(io, runtimeDirOf(program, flags), session, request, { kind: 'denial', reason: flags.reason }));
    });
}
