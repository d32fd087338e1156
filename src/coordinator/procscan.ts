/**
 * Finds live worker processes of a session by their command line. Resume uses it so that
 * a worker spawned just before a coordinator crash (and so missing from the journal) is
 * found and reattached instead of being started a second time.
 */
import fs from 'node:fs';
import { isPidAlive } from '../util/fs.js';

/** agent id -> pid of every live worker process of this session. */
export function findWorkerProcesses(sessionDir: string): Map<string, number> {
  const found = new Map<string, number>();
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const s = args.indexOf('--session');
      const a = args.indexOf('--agent');
      if (s < 0 || a < 0 || args[s + 1] !== sessionDir) continue;
      const pid = Number(name);
      if (isPidAlive(pid)) found.set(args[a + 1]!, pid);
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/**
 * True when `pid` is a live worker process of this session and agent. Checked before any
 * signal is sent, so that a recycled pid never gets a worker's SIGKILL.
 */
export function isWorkerProcess(pid: number, sessionDir: string, agentId: string): boolean {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const s = args.indexOf('--session');
    const a = args.indexOf('--agent');
    return s >= 0 && a >= 0 && args[s + 1] === sessionDir && args[a + 1] === agentId && isPidAlive(pid);
  } catch {
    return false;
  }
}
