/**
 * Everything a bench run creates, so that nothing outlives it: child processes (by pid,
 * or by process group for detached workers) and temporary folders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPidAlive } from '../../src/util/fs.js';

const pids = new Map<number, { group: boolean }>();
const dirs = new Set<string>();

/** Remembers a process to kill at cleanup; `group` kills its whole process group (detached children). */
export function trackPid(pid: number, group = false): void {
  pids.set(pid, { group });
}

export function untrackPid(pid: number): void {
  pids.delete(pid);
}

/** A fresh temporary folder, removed at cleanup. */
export function makeTempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mailroom-bench-${label}-`));
  dirs.add(dir);
  return dir;
}

/** Removes `dir` at cleanup too (for folders made elsewhere, e.g. the worker bundle). */
export function trackDir(dir: string): void {
  dirs.add(dir);
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** SIGKILLs one process (or its group); ignores ones already gone. */
export function killPid(pid: number, group: boolean, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    // already gone
  }
}

/** Kills every tracked process that is still alive, and waits (briefly) until they are gone. */
export async function killTracked(): Promise<number> {
  let killed = 0;
  for (const [pid, { group }] of pids) {
    if (isPidAlive(pid)) {
      killPid(pid, group);
      killed++;
    } else if (group) {
      // The leader exited; a straggler in its group may not have.
      killPid(pid, true);
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && [...pids.keys()].some((p) => isPidAlive(p))) await new Promise((r) => setTimeout(r, 20));
  pids.clear();
  return killed;
}

/** Kills tracked processes and removes every temporary folder. */
export async function cleanupAll(): Promise<void> {
  await killTracked();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** Synchronous last resort for exit paths. */
export function cleanupAllSync(): void {
  for (const [pid, { group }] of pids) killPid(pid, group);
  pids.clear();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
