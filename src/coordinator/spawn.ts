/**
 * Starts a worker as its own Node process: detached in its own process group (so the
 * termination ladder can signal the whole group, and the worker outlives a coordinator
 * crash), with stdout and stderr going to files in its agent folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { agentPaths } from '../session/layout.js';

/** The worker entry and the Node flags that run it: TypeScript through tsx's loader. */
export function workerCommand(): { execPath: string; args: string[] } {
  const entry = fileURLToPath(new URL('../worker/main.ts', import.meta.url));
  // An absolute loader URL: `--import tsx` would resolve against the cwd, which may be anywhere.
  const tsx = import.meta.resolve('tsx');
  return { execPath: process.execPath, args: ['--import', tsx, entry] };
}

export interface SpawnedWorker {
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWorker(sessionDir: string, agentId: string, env: NodeJS.ProcessEnv = process.env): SpawnedWorker {
  const paths = agentPaths(sessionDir, agentId);
  const out = fs.openSync(paths.stdout, 'a');
  const err = fs.openSync(paths.stderr, 'a');
  const { execPath, args } = workerCommand();
  try {
    const child = spawn(execPath, [...args, '--session', sessionDir, '--agent', agentId], {
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
