/** `mailroom approve <session> <request> [--note]`: a person lets a waiting tool call run. */
import type { Command } from 'commander';
import { replyCommand, runtimeDirOf, type PeopleIo } from './reply.js';

export function registerApprove(program: Command, io: PeopleIo, setExit: (code: number) => void): void {
  program
    .command('approve')
    .description('approve a tool call that waits for a person (see mailroom pending)')
    .argument('<session>', 'session id, or "latest"')
    .argument('<request>', 'request id')
    .option('--note <text>', 'a note for the record')
    .option('--runtime-dir <dir>', 'where sessions live')
    .action(async (session: string, request: string, flags: { note?: string; runtimeDir?: string }) => {
      setExit(await replyCommand(io, runtimeDirOf(program, flags), session, request, { kind: 'approval', ...(flags.note ? { note: flags.note } : {}) }));
    });
}
