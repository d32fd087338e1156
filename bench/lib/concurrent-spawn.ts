/**
 * Anchor for session overhead: start n processes at once and wait until every one has
 * printed its first line: the bare cost of bringing up n Node (or tsx) processes on this
 * machine, with no mailroom code in them.
 */
import { spawn } from 'node:child_process';
import { now } from './clock.js';
import { killPid, trackPid, untrackPid } from './cleanup.js';
import { procScript } from './procs.js';

const TSX = import.meta.resolve('tsx');

export async function spawnConcurrently(n: number, kind: 'node' | 'tsx'): Promise<number> {
  const args = kind === 'node' ? [procScript('hello.mjs')] : ['--import', TSX, procScript('hello.ts')];
  const t0 = now();
  const children = Array.from({ length: n }, () => spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env: process.env }));
  for (const c of children) trackPid(c.pid!);
  try {
    const ready = await Promise.all(
      children.map(
        (c) =>
          new Promise<number>((resolve, reject) => {
            c.stdout!.once('data', () => resolve(now()));
            c.once('exit', (code) => reject(new Error(`a ${kind} process exited with ${code} before its first line`)));
          }),
      ),
    );
    return Math.max(...ready) - t0;
  } finally {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode === null && c.signalCode === null) {
          const exited = new Promise((r) => c.once('exit', r));
          killPid(c.pid!, false);
          await exited;
        }
        untrackPid(c.pid!);
      }),
    );
  }
}
