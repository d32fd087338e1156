/** `mailroom answer <session> <request> <text>`: a person answers a question. */
import type { Command } from 'commander';
import { replyCommand, runtimeDirOf, type PeopleIo } from './reply.js';

export function registerAnswer(program: Command, io: PeopleIo, setExit: (code: number) => void): void {
  program
    .command('answer')
    .description('answer a question that waits for a person (reflect: your feedback starts another round)')
    .argument('<session>', 'session id, or "latest"')
    .argument('<request>', 'request id')
    .argument('<text...>', 'the answer')
    .option('--runtime-dir <dir>', 'where sessions live')
    .action(async (session: string, request: string, text: string[], flags: { runtimeDir?: string }) => {
      setExit(await replyCommand(io, runtimeDirOf(program, flags), session, request, { kind: 'answer', text: text.join(' ') }));
    });
}
