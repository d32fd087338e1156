/**
 * Starts a worker as its own Node process: detached in its own process group (so the
 * termination ladder can signal the whole group, and the worker outlives a coordinator
 * crash), with stdout and stderr going to files in its agent folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mailboxFolder } from '../../mailbox/index.js';
import { agentPaths } from '../../session/layout.js';
import { isFreshBuild, projectRoot } from '../../build/fresh.mjs';
import { WORKER_NODE_FLAGS } from '../../build/worker-flags.mjs';
import { usableSnapshot } from './snapshot.js';

/** How workers start: from the startup snapshot, from the compiled ES module, or from the sources through tsx. */
export type WorkerKind = 'snapshot' | 'compiled' | 'tsx';

let cached: { execPath: string; args: string[]; kind: WorkerKind } | undefined;

export { WORKER_NODE_FLAGS };

/**
 * The worker entry and the Node flags that run it (the worker's own arguments follow).
 * The compiled build (dist/worker, made by `npm install`) when it is newer than every
 * source file, because it starts about twice as fast; from its startup snapshot when the
 * build made one for this Node (snapshot.ts), a quarter faster again; otherwise the
 * TypeScript sources through tsx's loader, so an edited checkout never runs stale code.
 * MAILROOM_WORKER=snapshot|compiled|tsx forces one.
 */
export function workerCommand(): { execPath: string; args: string[]; kind: WorkerKind } {
  if (cached) return cached;
  // From the project root, not from this file: this module also runs bundled (dist/cli).
  const root = projectRoot(fileURLToPath(import.meta.url));
  const dir = path.join(root, 'dist', 'worker');
  const compiled = path.join(dir, 'worker.mjs');
  const want = process.env.MAILROOM_WORKER;
  const fresh = want !== 'tsx' && (want === 'compiled' || want === 'snapshot' || (fs.existsSync(compiled) && isFreshBuild(dir, path.join(root, 'src'))));
  const snapshot = fresh && want !== 'compiled' ? usableSnapshot(dir) : undefined;
  if (want === 'snapshot' && snapshot && 'unusable' in snapshot) throw new Error(`MAILROOM_WORKER=snapshot: the worker snapshot cannot be used: ${snapshot.unusable}`);
  if (snapshot && 'blob' in snapshot) {
    // `--` ends Node's options: what follows is the restored worker's process.argv.
    cached = { execPath: process.execPath, args: [...WORKER_NODE_FLAGS, '--snapshot-blob', snapshot.blob, '--'], kind: 'snapshot' };
  } else if (fresh) {
    cached = { execPath: process.execPath, args: [...WORKER_NODE_FLAGS, compiled], kind: 'compiled' };
  } else {
    const entry = path.join(root, 'src', 'worker', 'main.ts');
    // An absolute loader URL: `--import tsx` would resolve against the cwd, which may be anywhere.
    cached = { execPath: process.execPath, args: [...WORKER_NODE_FLAGS, '--import', import.meta.resolve('tsx'), entry], kind: 'tsx' };
  }
  return cached;
}

export interface SpawnedWorker {
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Acks away (new/ -> cur/) every `assign` in a worker's mailbox that is not for `attempt`:
 * the unread assignment of an attempt that died before reading it. No reader runs on the
 * mailbox at spawn time (the previous attempt is gone), so the move is safe, and cur/
 * keeps it as history. Returns the names moved.
 */
export function ackStaleAssignments(sessionDir: string, agentId: string, attempt: number): string[] {
  const newDir = mailboxFolder(sessionDir, agentId, 'new');
  const curDir = mailboxFolder(sessionDir, agentId, 'cur');
  const moved: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(newDir);
  } catch {
    return moved;
  }
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    let env: { type?: unknown; body?: { attempt?: unknown } };
    try {
      env = JSON.parse(fs.readFileSync(path.join(newDir, name), 'utf8')) as typeof env;
    } catch {
      continue; // not ours to judge: the reader dead-letters a bad file
    }
    if (env.type !== 'assign' || env.body?.attempt === attempt) continue;
    try {
      fs.renameSync(path.join(newDir, name), path.join(curDir, name));
      moved.push(name);
    } catch {
      // Gone meanwhile: nothing to ack.
    }
  }
  return moved;
}

/**
 * Starts a worker; its agent.json (with the attempt) and its assignment are already written.
 * A spare (`spare: true`) gets `--spare`: its assignment comes later (coordinator/spares.ts).
 */
export function spawnWorker(sessionDir: string, agentId: string, env: NodeJS.ProcessEnv = process.env, opts: { spare?: boolean } = {}): SpawnedWorker {
  const paths = agentPaths(sessionDir, agentId);
  const attempt = readAttempt(paths.agentJson);
  if (attempt !== undefined) ackStaleAssignments(sessionDir, agentId, attempt);
  const out = fs.openSync(paths.stdout, 'a');
  const err = fs.openSync(paths.stderr, 'a');
  const { execPath, args } = workerCommand();
  try {
    const child = spawn(execPath, [...args, '--session', sessionDir, '--agent', agentId, ...(opts.spare ? ['--spare'] : [])], {
      detached: true,
      stdio: ['ignore', out, err],
      env,
    });
    if (child.pid === undefined) throw new Error(`could not start worker ${agentId}`);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    // The coordinator must be able to exit (or crash) without waiting for its workers.
    child.unref();
    return { pid: child.pid, child, exited };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

/** The attempt in agent.json, or undefined when it cannot be read. */
function readAttempt(agentJson: string): number | undefined {
  try {
    const attempt = (JSON.parse(fs.readFileSync(agentJson, 'utf8')) as { attempt?: unknown }).attempt;
    return typeof attempt === 'number' ? attempt : undefined;
  } catch {
    return undefined;
  }
}
