/**
 * The bench suite: runs each bench in turn, isolates failures (a broken bench is reported,
 * the rest still run), cleans up every process and temp folder, and returns the report.
 */
import os from 'node:os';
import { CLOCK_SOURCE } from './lib/clock.js';
import { cleanupAll } from './lib/cleanup.js';
import { SCALES, type Scale } from './lib/config.js';
import type { Bench, BenchContext } from './lib/bench.js';
import { machineInfo, type BenchResult, type SuiteReport } from './lib/report.js';
import { fileSystemBaseline, settleFileSystem } from './lib/settle.js';
import { round } from './lib/stats.js';
import { latencyBench } from './benches/latency.js';
import { burstBench } from './benches/burst.js';
import { backlogBench } from './benches/backlog.js';
import { spawnBench } from './benches/spawn.js';
import { sessionBench } from './benches/session.js';
import { parallelBench } from './benches/parallel.js';
import { scaleBench } from './benches/scale.js';

export const BENCHES: Bench[] = [latencyBench, burstBench, backlogBench, spawnBench, sessionBench, parallelBench, scaleBench];

export interface SuiteOptions {
  scale: Scale;
  /** Bench ids to run; all when empty. */
  only?: string[];
  log?: (message: string) => void;
}

export async function runSuite(opts: SuiteOptions): Promise<SuiteReport> {
  const log = opts.log ?? (() => undefined);
  const ctx: BenchContext = { scale: opts.scale, cfg: SCALES[opts.scale], log };
  const started = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const selected = BENCHES.filter((b) => !opts.only?.length || opts.only.includes(b.id));
  const benches: BenchResult[] = [];
  const fsBaseline = fileSystemBaseline();
  for (const bench of selected) {
    // A bench must not measure the previous one's file churn (settle.ts).
    const settle = await settleFileSystem(fsBaseline, ctx.cfg.settleMaxMs);
    if (settle.waitedMs >= 1000) log(`settle: waited ${(settle.waitedMs / 1000).toFixed(0)} s for the file system (probe ${settle.probeUs} µs/step, ${fsBaseline} at the start)`);
    const b0 = performance.now();
    const load0 = round(os.loadavg()[0]!, 2);
    const loadavg = (): [number, number] => [load0, round(os.loadavg()[0]!, 2)];
    log(`== ${bench.title}`);
    try {
      const body = await bench.run(ctx);
      benches.push({ id: bench.id, title: bench.title, ok: true, durationMs: round(performance.now() - b0, 0), loadavg: loadavg(), settle, ...body });
    } catch (err) {
      log(`!! ${bench.id} failed: ${err instanceof Error ? err.stack : String(err)}`);
      benches.push({
        id: bench.id,
        title: bench.title,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
        durationMs: round(performance.now() - b0, 0),
        loadavg: loadavg(),
        settle,
        columns: [],
        rows: [],
        targets: [],
        notes: [],
      });
    } finally {
      // Whatever a bench left behind (it cleans up itself; this is the safety net).
      await cleanupAll();
    }
  }
  machine.loadavgEnd = os.loadavg().map((v) => round(v, 2));
  return {
    version: 1,
    scale: opts.scale,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: round(performance.now() - t0, 0),
    machine,
    clock: CLOCK_SOURCE,
    benches,
  };
}
