/**
 * Bench sizes per scale. `full` is what `npm run bench` runs (the sizes the issue asks
 * for); `smoke` is a tiny version of every bench, run by the test suite so the benches
 * cannot rot. Both go through exactly the same code.
 */
export type Scale = 'smoke' | 'full';

export interface ScaleConfig {
  latency: { messages: number; rounds: number; spacingMs: number };
  burst: { writers: number; perWriter: number; polledCapMs: number; timeoutMs: number };
  backlog: { sizes: number[]; warmup: number; timeoutMs: number };
  /** RSS is sampled on the first rssSpawns spawns of each kind (each costs idleSampleMs of waiting). */
  spawn: { spawns: number; floorSpawns: number; rssSpawns: number; idleSampleMs: number };
  /** reps[i] sessions with workers[i] workers (the median is reported). */
  session: { workers: number[]; reps: number[] };
  parallel: { workers: number; turns: number; delayMs: number };
  scale: { workers: number[]; delayMs: number; probeSpacingMs: number; idleProbeMs: number };
  /** The longest the suite waits before a bench for the file system to settle (settle.ts). */
  settleMaxMs: number;
}

export const SCALES: Record<Scale, ScaleConfig> = {
  full: {
    // 2,000 spaced messages per transport, interleaved in 10 short rounds so a noisy few seconds hit all alike.
    latency: { messages: 2000, rounds: 10, spacingMs: 4 },
    burst: { writers: 10, perWriter: 1000, polledCapMs: 10_000, timeoutMs: 120_000 },
    backlog: { sizes: [1000, 5000, 10_000], warmup: 300, timeoutMs: 120_000 },
    spawn: { spawns: 20, floorSpawns: 10, rssSpawns: 5, idleSampleMs: 500 },
    session: { workers: [1, 4, 16], reps: [3, 5, 1] },
    // 10 calls of 1 s per worker: a 10 s critical path, so ~1 s of fixed overhead costs 0.1.
    parallel: { workers: 8, turns: 10, delayMs: 1000 },
    scale: { workers: [32, 64], delayMs: 3000, probeSpacingMs: 20, idleProbeMs: 2000 },
    settleMaxMs: 90_000,
  },
  smoke: {
    latency: { messages: 12, rounds: 1, spacingMs: 2 },
    burst: { writers: 2, perWriter: 15, polledCapMs: 3000, timeoutMs: 15_000 },
    backlog: { sizes: [20, 40], warmup: 5, timeoutMs: 15_000 },
    spawn: { spawns: 1, floorSpawns: 1, rssSpawns: 1, idleSampleMs: 100 },
    session: { workers: [1], reps: [1] },
    parallel: { workers: 2, turns: 2, delayMs: 50 },
    scale: { workers: [1], delayMs: 100, probeSpacingMs: 20, idleProbeMs: 300 },
    // Probed and reported, never waited for: the smoke run checks the code, not the numbers.
    settleMaxMs: 0,
  },
};

export function parseScale(value: string | undefined): Scale {
  if (value === undefined || value === '' || value === 'full') return 'full';
  if (value === 'smoke') return 'smoke';
  throw new Error(`BENCH_SCALE must be "smoke" or "full", not "${value}"`);
}
