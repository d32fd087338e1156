/**
 * 6. Parallel efficiency: n independent workers, each making `turns` model calls that
 * take `delayMs` each (scripted delay; every call but the last asks for a real
 * search_files tool run). The critical path is one worker's model time, turns × delayMs
 * (plan and synthesis answer at once), and efficiency is critical path ÷ session wall
 * time. Anchor: the same script with one worker, whose gap to 1.0 is pure fixed overhead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDir } from '../lib/cleanup.js';
import { resultsCount, runScriptedSession, spawnToStarted, workerBuildNote, type SessionRun } from '../lib/session-run.js';
import { sessionScript, textEntry, toolEntry } from '../lib/session-fixture.js';
import type { Bench } from '../lib/bench.js';
import { target } from '../lib/bench.js';
import { fmt, type Row } from '../lib/report.js';
import type { ScriptEntry } from '../../src/model/scripted.js';
import { workerId } from '../../src/session/layout.js';
import { median, round } from '../lib/stats.js';
import { CpuSampler, childPids } from '../lib/proc-stats.js';
import os from 'node:os';

function workerQueue(turns: number, delayMs: number): ScriptEntry[] {
  const q: ScriptEntry[] = [];
  for (let k = 1; k < turns; k++) q.push(toolEntry(`toolu_${k}`, 'search_files', { query: 'bench tides' }, delayMs));
  q.push(textEntry('Bench part report: done.', delayMs));
  return q;
}

interface Measured {
  wall: number;
  efficiency: number;
  /** First worker_spawned → last result. */
  workersSpan: number;
  /** Per worker, worker_started → its result. */
  busy: number[];
  toStarted: number[];
  /** The CPU used until the last worker's first model call: what the workers' start waits on. */
  cpu: StartCpu;
}

/** CPU from the session's start to the last worker's first model call, over every process of the session. */
interface StartCpu {
  /** From runSession's call to the last worker's first model call. */
  windowMs: number;
  /** CPU ms used in that window by this process (the coordinator) and every worker and spare. */
  usedMs: number;
  /** usedMs ÷ (cores × windowMs). */
  utilization: number;
  /** Each worker's own CPU ms at its first model call (spawn, start, and its way to that call), p50. */
  perWorkerMs: number;
  /** Of usedMs: this process (the coordinator), the workers, and this process's other children (idle spares, tsx's esbuild service). */
  coordinatorMs: number;
  workersMs: number;
  othersMs: number;
}

/** Reads the start's CPU off the sampler's timelines, with the model calls' times from the scripted calls log. */
function startCpu(run: SessionRun, sampler: CpuSampler): StartCpu {
  const pidOf = new Map(run.events.filter((e) => e.type === 'worker_spawned').map((e) => [(e as { agent: string }).agent, (e as { pid: number }).pid]));
  const firstCall = new Map<string, number>();
  for (const c of run.calls) if (pidOf.has(c.agent) && !firstCall.has(c.agent)) firstCall.set(c.agent, c.t);
  const end = Math.max(...firstCall.values());
  const workerPids = new Set(pidOf.values());
  const coordinatorMs = sampler.at('self', end) - sampler.at('self', run.t0);
  let workersMs = 0;
  let othersMs = 0;
  for (const pid of sampler.timelines.keys()) {
    if (pid === 'self') continue;
    // What it used in the window (a process started after run.t0 has nothing before it).
    const ms = sampler.at(pid, end) - sampler.at(pid, run.t0);
    if (workerPids.has(pid)) workersMs += ms;
    else othersMs += ms;
  }
  const used = coordinatorMs + workersMs + othersMs;
  const windowMs = end - run.t0;
  const cores = os.availableParallelism();
  return {
    windowMs,
    usedMs: round(used, 0),
    utilization: round(used / (cores * windowMs), 2),
    perWorkerMs: round(median([...firstCall].map(([agent, t]) => sampler.at(pidOf.get(agent)!, t))), 0),
    coordinatorMs: round(coordinatorMs, 0),
    workersMs: round(workersMs, 0),
    othersMs: round(othersMs, 0),
  };
}

function measure(run: SessionRun, criticalPath: number, sampler: CpuSampler): Measured {
  const spawned = run.events.filter((e) => e.type === 'worker_spawned').map((e) => e.t);
  const results = run.events.filter((e) => e.type === 'result');
  const started = new Map(run.events.filter((e) => e.type === 'worker_started').map((e) => [(e as { agent: string }).agent, e.t]));
  const wall = run.t1 - run.t0;
  return {
    wall,
    efficiency: criticalPath / wall,
    workersSpan: Math.max(...results.map((e) => e.t)) - Math.min(...spawned),
    busy: results.map((e) => e.t - (started.get((e as { agent: string }).agent) ?? Number.NaN)),
    toStarted: spawnToStarted(run),
    cpu: startCpu(run, sampler),
  };
}

export const parallelBench: Bench = {
  id: 'parallel',
  title: '6. Parallel efficiency (independent workers, slow model calls)',
  async run(ctx) {
    const { workers: n, turns, delayMs } = ctx.cfg.parallel;
    const criticalPath = turns * delayMs;
    const root = makeTempDir('parallel');
    // Something small and real for search_files to search.
    const source = path.join(root, 'source');
    fs.mkdirSync(source);
    fs.writeFileSync(path.join(source, 'tides.md'), '# Tides\n\nBench text about tides and the moon.\n');
    const results = new Map<number, Measured>();
    try {
      for (const count of [1, n]) {
        ctx.log(`parallel: ${count} worker(s) × ${turns} call(s) of ${delayMs} ms`);
        const queues = Object.fromEntries(Array.from({ length: count }, (_, i) => [workerId(i + 1, 'research'), workerQueue(turns, delayMs)]));
        // Every process of the session, sampled from /proc every 20 ms: the coordinator (this
        // process), its workers and its spares, whose CPU the workers' start competes for.
        const sampler = new CpuSampler(childPids, 20);
        sampler.start();
        let run: SessionRun;
        try {
          run = await runScriptedSession({ dir: path.join(root, `n${count}`), script: sessionScript(count, queues), workers: count, sourceRoot: source, timeoutMs: 180_000 });
        } finally {
          sampler.stop();
        }
        if (run.outcome.status !== 'completed' || resultsCount(run) !== count) {
          throw new Error(`the ${count}-worker session ended ${run.outcome.status} with ${resultsCount(run)}/${count} results: ${run.outcome.reason ?? ''}`);
        }
        results.set(count, measure(run, criticalPath, sampler));
      }
    } finally {
      removeTempDir(root);
    }
    const many = results.get(n)!;
    const one = results.get(1)!;
    const row = (label: string, kind: Row['kind'], m: Measured, count: number): Row => ({
      label,
      kind,
      values: {
        workers: count,
        cp: criticalPath,
        wall: m.wall,
        eff: round(m.efficiency, 3),
        span: m.workersSpan,
        effSpan: round(criticalPath / m.workersSpan, 3),
        busy: median(m.busy),
        toStarted: median(m.toStarted),
      },
    });
    const rows: Row[] = [row(`mailroom, ${n} workers in parallel`, 'mailroom', many, n), row('same script, 1 worker', 'anchor', one, 1)];
    const fixed = one.wall - criticalPath;
    const notes = [
      `Each worker makes ${turns} model call(s) of ${delayMs} ms (scripted delay)${turns > 1 ? `, the first ${turns - 1} asking for a search_files run on a one-file folder` : ''}; planning and synthesis answer at once. Critical path = ${turns} × ${delayMs} ms = ${criticalPath} ms; efficiency = critical path ÷ session wall (runSession call to return).`,
      `"workers span" runs from the first worker_spawned to the last result; "busy" is a worker's started → result time (its ${criticalPath} ms of model time plus its tool runs and message round trips).`,
      `Overhead (wall − critical path): ${round(fixed, 0)} ms with 1 worker, ${round(many.wall - criticalPath, 0)} ms with ${n}. Most of it is the worker start: spawn → started p50 ${round(median(one.toStarted), 0)} ms alone, ${round(median(many.toStarted), 0)} ms with ${n} starting at once (bench 4 breaks one start down).`,
      `Where that start goes (CPU summed from /proc over this process, which coordinates, and every worker and spare, sampled every 20 ms): from the session's start to the last worker's first model call, ${fmt(many.cpu.windowMs)} ms with ${n} workers, they used ${fmt(many.cpu.usedMs)} ms of CPU, ${Math.round(many.cpu.utilization * 100)}% of ${os.availableParallelism()} cores over that window (the workers ${fmt(many.cpu.workersMs)} ms, the coordinator ${fmt(many.cpu.coordinatorMs)} ms, other child processes ${fmt(many.cpu.othersMs)} ms); each worker had used ${fmt(many.cpu.perWorkerMs)} ms (p50) by its first call (${fmt(one.cpu.perWorkerMs)} ms alone). With the cores that busy, starting the workers a few at a time cannot bring the last one's first call sooner; only a start that costs less CPU can.`,
      workerBuildNote(),
    ];
    const t = target(`Parallel efficiency, ${n} workers (critical path ÷ wall)`, '≥ 0.92', many.efficiency, 0.92, '', '>=');
    return {
      headline: [
        {
          figure: `Parallel efficiency, ${n} workers × ${turns} calls of ${fmt(delayMs / 1000)} s`,
          mailroom: `${fmt(many.efficiency)} (wall ${fmt(many.wall / 1000)} s for a ${fmt(criticalPath / 1000)} s critical path)`,
          anchors: `same script with 1 worker ${fmt(one.efficiency)}`,
          target: '≥ 0.92',
          met: t.met,
        },
      ],
      columns: [
        { key: 'workers', label: 'workers' },
        { key: 'cp', label: 'critical path ms' },
        { key: 'wall', label: 'wall ms' },
        { key: 'eff', label: 'efficiency' },
        { key: 'span', label: 'workers span ms' },
        { key: 'effSpan', label: 'critical path ÷ span' },
        { key: 'busy', label: 'busy p50 ms' },
        { key: 'toStarted', label: 'spawn → started p50' },
      ],
      rows,
      targets: [t],
      notes,
      details: { one, many, criticalPath },
    };
  },
};
