/** `mailroom pending [--json]`: every open request to people, in every session. */
import type { Command } from 'commander';
import { pendingRequests, type PendingRequest } from '../people/pending.js';
import { exitCodeForError } from './errors.js';
import { oneLine } from './inspect/format.js';
import type { PeopleIo } from './reply.js';

function age(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

/** The table `pending` prints. */
export function formatPending(list: PendingRequest[]): string {
  if (list.length === 0) return 'no open requests\n';
  // A model wrote the summary: terminal escapes are stripped before it reaches a terminal.
  const rows = list.map((r) => [r.session, r.id, oneLine(r.agent), r.kind, oneLine(r.summary).slice(0, 100), age(r.ageMs)]);
  const head = ['SESSION', 'REQUEST', 'AGENT', 'KIND', 'WHAT', 'AGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const hints = list.map((r) => `  ${r.command}`);
  return [line(head), ...rows.map(line), '', 'to reply:', ...hints].join('\n') + '\n';
}

export function registerPending(program: Command, io: PeopleIo, setExit: (code: number) => void): void {
  program
    .command('pending')
    .description('every open request to people (tool approvals, questions), in every session')
    .option('--json', 'one JSON array on stdout')
    .option('--runtime-dir <dir>', 'where sessions live')
    .action(async (flags: { json?: boolean; runtimeDir?: string }) => {
      try {
        const list = await pendingRequests(flags.runtimeDir ?? (program.opts() as { runtimeDir?: string }).runtimeDir);
        io.out(flags.json ? JSON.stringify(list) + '\n' : formatPending(list));
        setExit(0);
      } catch (err) {
        setExit(exitCodeForError(err, io));
      }
    });
}
