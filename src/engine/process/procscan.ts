/**
 * Finds live worker processes of a session by their command line. Resume uses it so that
 * a worker spawned just before a coordinator crash (and so missing from the journal) is
 * found and reattached instead of being started a second time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { agentPaths } from '../../session/layout.js';
import { isPidAlive } from '../../util/fs.js';

/**
 * Where a warm spare's new identity is written when a subtask is handed to it
 * (coordinator/spares.ts): its process is that agent's worker from then on.
 */
export function spareAdoptionFile(sessionDir: string, spareId: string): string {
  return path.join(agentPaths(sessionDir, spareId).dir, 'adopted.json');
}

/**
 * The `--session` and `--agent` of a worker process, or undefined for any other process.
 * A spare (`--spare`) that was handed a subtask counts as the agent it became.
 */
function workerArgs(pid: number): { session: string; agent: string } | undefined {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const s = args.indexOf('--session');
    const a = args.indexOf('--agent');
    if (s < 0 || a < 0 || args[s + 1] === undefined || args[a + 1] === undefined) return undefined;
    const session = args[s + 1]!;
    const agent = args[a + 1]!;
    return { session, agent: args.includes('--spare') ? (adoptedAs(session, agent) ?? agent) : agent };
  } catch {
    return undefined; // gone while we looked
  }
}

/** The agent a warm spare was handed (its `adopted.json`), or undefined while it has none. */
export function adoptedAs(sessionDir: string, spareId: string): string | undefined {
  try {
    const agent = (JSON.parse(fs.readFileSync(spareAdoptionFile(sessionDir, spareId), 'utf8')) as { agent?: unknown }).agent;
    return typeof agent === 'string' ? agent : undefined;
  } catch {
    return undefined; // not handed over (yet)
  }
}

/** Every live worker process of this session, duplicates included (two for one agent is a bug to see). */
export function listWorkerProcesses(sessionDir: string): Array<{ agent: string; pid: number }> {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: Array<{ agent: string; pid: number }> = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const w = workerArgs(pid);
    if (w?.session === sessionDir && isPidAlive(pid)) out.push({ agent: w.agent, pid });
  }
  return out;
}

/** agent id -> pid of every live worker process of this session. */
export function findWorkerProcesses(sessionDir: string): Map<string, number> {
  return new Map(listWorkerProcesses(sessionDir).map((w) => [w.agent, w.pid]));
}

/**
 * True when `pid` is a live worker process of this session and agent. Checked before any
 * signal is sent, so that a recycled pid never gets a worker's SIGKILL.
 */
export function isWorkerProcess(pid: number, sessionDir: string, agentId: string): boolean {
  const w = workerArgs(pid);
  return w?.session === sessionDir && w.agent === agentId && isPidAlive(pid);
}
