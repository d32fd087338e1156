/** Shared set-up of the supervision tests: a scripted session in its own runtime folder. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { PlanInput } from '../../src/contracts/plan.js';
import { killStartedClis, onlySession, tempRuntime } from './cli.js';
import { waitFor, writeScript } from './script.js';
import { WorkerWatch } from './watch-workers.js';

const cleanups: Array<() => void> = [];

/** Adds a clean-up to run after the current test. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

/** Registers the per-test clean-up: kill the CLIs, stop the watches, remove the folders. */
export function cleanUpAfterEach(): void {
  afterEach(() => {
    killStartedClis();
    for (const c of cleanups.splice(0)) c();
  });
}

export const TWO_INDEPENDENT: PlanInput = {
  subtasks: [
    { id: 'slow', role: 'research', description: 'The slow one', dependsOn: [] },
    { id: 'quick', role: 'research', description: 'The quick one', dependsOn: [] },
  ],
  failurePolicy: 'best-effort',
};

/** A runtime folder with a script for the scripted provider, and a watch on its workers. */
export function runtimeWithScript(agents: Record<string, unknown[]>) {
  const runtime = tempRuntime('mailroom-sup-');
  let dir: string | undefined;
  const watch = new WorkerWatch(() => dir).start();
  cleanups.push(() => {
    watch.stop();
    fs.rmSync(runtime, { recursive: true, force: true });
  });
  const script = writeScript(runtime, { agents: agents as never });
  const sessionDir = async () =>
    (dir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'session dir'));
  return { runtime, script, watch, sessionDir };
}
