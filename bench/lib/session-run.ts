/**
 * Runs a whole session in this process through the library API (runSession) on the
 * scripted model, records its event stream, and makes sure every worker it started is
 * gone afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runSession, type SessionOutcome } from '../../src/index.js';
import type { SessionEvent } from '../../src/coordinator/events.js';
import { readCalls, type Script, type ScriptedCall } from '../../src/model/scripted.js';
import { isPidAlive } from '../../src/util/fs.js';
import { workerCommand } from '../../src/engine/process/spawn.js';
import { killPid, trackPid, untrackPid } from './cleanup.js';
import { sleep } from './clock.js';
import { writeScript } from './session-fixture.js';

export type StampedEvent = SessionEvent & { t: number };

/** How spawnWorker starts workers right now, for the notes: from the snapshot, compiled, or through tsx. */
export function workerBuildNote(): string {
  const kind = workerCommand().kind;
  if (kind === 'snapshot') return 'Workers started from their startup snapshot (dist/worker/worker.blob, fresh and built by this Node), as spawnWorker chooses.';
  return kind === 'compiled'
    ? 'Workers ran compiled (dist/worker, fresher than the sources), as spawnWorker chooses.'
    : 'Workers ran through tsx, as spawnWorker chooses when dist/worker is missing or older than the sources (bench 4 compares both).';
}

export interface SessionRun {
  outcome: SessionOutcome;
  events: StampedEvent[];
  /** Date.now() just before runSession, and when it returned (the event clock). */
  t0: number;
  t1: number;
  workerPids: number[];
  /** The scripted model's calls, as its calls log has them (who called, when, from which pid). */
  calls: ScriptedCall[];
}

export interface SessionRunOptions {
  dir: string;
  script: Script;
  workers: number;
  sourceRoot?: string;
  onEvent?: (e: StampedEvent) => void;
  /** Abort the session after this long (it then ends `interrupted`). */
  timeoutMs?: number;
}

export async function runScriptedSession(opts: SessionRunOptions): Promise<SessionRun> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const scriptFile = writeScript(opts.dir, opts.script);
  const events: StampedEvent[] = [];
  const workerPids: number[] = [];
  const abort = new AbortController();
  const force = new AbortController();
  const timer = setTimeout(() => {
    abort.abort();
    setTimeout(() => force.abort(), 10_000).unref();
  }, opts.timeoutMs ?? 300_000);
  const t0 = Date.now();
  let outcome: SessionOutcome;
  try {
    outcome = await runSession({
      task: 'bench: report on every part',
      provider: 'scripted',
      scriptFile,
      runtimeDir: path.join(opts.dir, 'runtime'),
      sourceRoot: opts.sourceRoot ?? opts.dir,
      maxWorkers: opts.workers,
      logLevel: 'warn',
      signal: abort.signal,
      forceSignal: force.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'worker_spawned') {
          workerPids.push(e.pid);
          trackPid(e.pid, true);
        }
        opts.onEvent?.(e);
      },
    });
  } finally {
    clearTimeout(timer);
    // Workers exit on their own once their result is sent; wait for that, then make sure.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && workerPids.some(isPidAlive)) await sleep(25);
    for (const pid of workerPids) {
      if (isPidAlive(pid)) killPid(pid, true);
      untrackPid(pid);
    }
  }
  return { outcome, events, t0, t1: Date.now(), workerPids, calls: readCalls(opts.script.callsLog ?? `${scriptFile}.calls.jsonl`) };
}

export interface Phases {
  wall: number;
  setup: number;
  plan: number;
  spawn: number;
  gather: number;
  synthesis: number;
  finish: number;
}

/**
 * The wall time split at the events: setup (until session_started), plan (until the plan),
 * spawn (until the last worker reported started), gather (until synthesis starts),
 * synthesis, and finish (until runSession returned). The parts add up to the wall time.
 */
export function phases(run: SessionRun): Phases {
  const first = (type: string) => run.events.find((e) => e.type === type)?.t ?? Number.NaN;
  const last = (type: string) => run.events.filter((e) => e.type === type).at(-1)?.t ?? Number.NaN;
  const started = first('session_started');
  const plan = first('plan');
  const lastStarted = last('worker_started');
  const synthStart = first('synthesis_started');
  const synthDone = first('synthesis_done');
  return {
    wall: run.t1 - run.t0,
    setup: started - run.t0,
    plan: plan - started,
    spawn: lastStarted - plan,
    gather: synthStart - lastStarted,
    synthesis: synthDone - synthStart,
    finish: run.t1 - synthDone,
  };
}

/** Per worker: worker_started.t − worker_spawned.t (ms). */
export function spawnToStarted(run: SessionRun): number[] {
  const spawned = new Map(run.events.filter((e) => e.type === 'worker_spawned').map((e) => [(e as { agent: string }).agent, e.t]));
  return run.events
    .filter((e) => e.type === 'worker_started')
    .map((e) => e.t - (spawned.get((e as { agent: string }).agent) ?? Number.NaN))
    .filter(Number.isFinite);
}

export function resultsCount(run: SessionRun): number {
  return run.events.filter((e) => e.type === 'result').length;
}
