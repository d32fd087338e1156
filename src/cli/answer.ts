/** `mailroom answer <session> <request> <text>`: a person answers a question. */
import type { Command } from 'commander';
import { REPLY_REDIS_HELP, replyCommand, runtimeDirOf, type PeopleIo } from './reply.js';

export function registerAnswer(program: Command, io: PeopleIo, setExit: (code: number) => void): void {
  program
    .command('answer')
    .description('answer a question that waits for a person (reflect: your feedback starts another round)')
    .argument('<session>', 'session id, or "latest"')
    .argument('<request>', 'request id')
    .argument('<text...>', 'the answer')
    .option('--runtime-dir <dir>', 'where sessions live')
    .option('--redis [url]', REPLY_REDIS_HELP)
    .action(async (session: string, request: string, text: string[], flags: { runtimeDir?: string; redis?: string | boolean }) => {
      setExit(await replyCommand(io, { runtimeDir: runtimeDirOf(program, flags), redis: flags.redis }, session, request, { kind: 'answer', text: text.join(' ') }));
    });
}
