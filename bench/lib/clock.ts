/**
 * The shared clock every bench process reads. `performance.timeOrigin` is the wall clock
 * (CLOCK_REALTIME) sampled once at process start, with microsecond precision, and
 * `performance.now()` is the monotonic clock since then; their sum is a sub-millisecond
 * wall-clock time that agrees across processes on one machine, which `Date.now()` (whole
 * milliseconds) cannot give. The agreement is checked per child by an IPC ping-pong
 * (see measureSkew in procs.ts) and reported with the results.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export const CLOCK_SOURCE =
  'performance.timeOrigin + performance.now() in every process (CLOCK_REALTIME at process start + CLOCK_MONOTONIC since), in ms with µs precision';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Sleeps until the shared clock reaches `t` (timers have ~1 ms granularity). */
export async function sleepUntil(t: number): Promise<void> {
  const wait = t - now();
  if (wait > 0) await sleep(wait);
}
