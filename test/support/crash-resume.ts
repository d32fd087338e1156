/** Shared by the crash-matrix tests: run a scripted session, kill its coordinator at a moment, resume it. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Script } from '../../src/model/scripted.js';
import { onlySession, runCli, startCli, tempRuntime } from './cli.js';
import { callsByAgent, journalOf, waitFor, writeScript } from './script.js';
import { WorkerWatch } from './watch-workers.js';

const runtimes: string[] = [];
const watches: WorkerWatch[] = [];

/** Stops the watches and removes the runtime folders of this file's runs (call in afterEach). */
export function cleanUpCrashRuns(): void {
  for (const w of watches.splice(0)) w.stop();
  for (const r of runtimes.splice(0)) fs.rmSync(r, { recursive: true, force: true });
}

export const CRASH_FAST = ['--heartbeat-ms', '300', '--heartbeat-misses', '10'];

export function prepare(agents: Script['agents']) {
  const runtime = tempRuntime('mailroom-crashmx-');
  runtimes.push(runtime);
  const script = writeScript(runtime, { agents });
  let dir: string | undefined;
  const watch = new WorkerWatch(() => dir).start();
  watches.push(watch);
  const sessionDir = async () =>
    (dir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'the session folder'));
  return { runtime, script, watch, sessionDir };
}

/** Runs a session, kills its coordinator once `when` holds, resumes it, and returns both runs. */
export async function killAndResume(agents: Script['agents'], args: string[], when: (dir: string) => boolean) {
  const p = prepare(agents);
  const first = startCli(['--runtime-dir', p.runtime, '--script', p.script, ...CRASH_FAST, ...args]);
  const dir = await p.sessionDir();
  await waitFor(() => when(dir) || first.child.exitCode !== null, 60_000, 'the kill point');
  process.kill(first.pid, 'SIGKILL');
  const crashed = await first.done;
  expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
  const resumed = await runCli(['--runtime-dir', p.runtime, '--resume', 'latest']);
  p.watch.sample();
  p.watch.stop();
  return { ...p, dir, resumed, journal: journalOf(dir), calls: callsByAgent(p.script) };
}

