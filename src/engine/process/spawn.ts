/**
 * Starts a worker as its own Node process: detached in its own process group (so the
 * termination ladder can signal the whole group, and the worker outlives a coordinator
 * crash), with stdout and stderr going to files in its agent folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentPaths } from '../../session/layout.js';

let cached: { execPath: string; args: string[]; kind: 'compiled' | 'tsx' } | undefined;

/**
 * The worker entry and the Node flags that run it. The compiled build (dist/worker, made
 * by `npm install`) when it is newer than every source file, because it starts about twice
 * as fast; otherwise the TypeScript sources through tsx's loader, so an edited checkout
 * never runs stale code. MAILROOM_WORKER=tsx|compiled forces one.
 */
export function workerCommand(): { execPath: string; args: string[]; kind: 'compiled' | 'tsx' } {
  if (cached) return cached;
  const src = fileURLToPath(new URL('../..', import.meta.url));
  const compiled = path.resolve(src, '../dist/worker/worker.mjs');
  const want = process.env.MAILROOM_WORKER;
  if (want !== 'tsx' && (want === 'compiled' || isFreshBuild(compiled, src))) {
    cached = { execPath: process.execPath, args: [compiled], kind: 'compiled' };
  } else {
    const entry = fileURLToPath(new URL('../../worker/main.ts', import.meta.url));
    // An absolute loader URL: `--import tsx` would resolve against the cwd, which may be anywhere.
    cached = { execPath: process.execPath, args: ['--import', import.meta.resolve('tsx'), entry], kind: 'tsx' };
  }
  return cached;
}

/** True when the compiled worker exists and no source file changed after it was built. */
function isFreshBuild(compiled: string, srcDir: string): boolean {
  let builtAt: number;
  try {
    builtAt = (JSON.parse(fs.readFileSync(path.join(path.dirname(compiled), 'build.json'), 'utf8')) as { builtAt: number }).builtAt;
    fs.accessSync(compiled);
  } catch {
    return false;
  }
  const stack = [srcDir];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (fs.statSync(p).mtimeMs > builtAt) return false;
    }
  }
  return true;
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
