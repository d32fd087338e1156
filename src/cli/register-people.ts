/**
 * The commands for people in the loop: `pending`, `approve`, `deny` and `answer`. Each
 * reply goes through `respond` (the same call the viewer and programs make). Exit codes:
 * 0 sent; 1 the request was already answered (nothing sent); 2 a bad reference (unknown
 * session or request, a reply of the wrong kind, a missing reason).
 */
import type { Command } from 'commander';
import type { PeopleIo } from './reply.js';
import { registerPending } from './pending.js';
import { registerApprove } from './approve.js';
import { registerDeny } from './deny.js';
import { registerAnswer } from './answer.js';

export function registerPeopleCommands(program: Command, io: PeopleIo, setExit: (code: number) => void): void {
  registerPending(program, io, setExit);
  registerApprove(program, io, setExit);
  registerDeny(program, io, setExit);
  registerAnswer(program, io, setExit);
}
