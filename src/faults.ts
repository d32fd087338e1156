/**
 * Fault injection for crash tests. Real users never set these; the test suite uses them
 * to kill -9 a coordinator at an exact point, or to make a worker deaf to `shutdown` or
 * SIGTERM, so that every rung of recovery and of the termination ladder is exercised with
 * real processes and real signals.
 *
 * - MAILROOM_CRASH_AT=<point>: the coordinator SIGKILLs itself on reaching that point.
 * - MAILROOM_WORKER_FAULTS=ignore-shutdown,ignore-sigterm: worker behaviours.
 */

/** Named points in the coordinator's run where a crash test may kill it. */
export type CrashPoint = 'after-plan' | 'after-spawn' | 'after-first-result';

export function crashPoint(point: CrashPoint, env: NodeJS.ProcessEnv = process.env): void {
  if (env.MAILROOM_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}

export function workerFault(name: 'ignore-shutdown' | 'ignore-sigterm', env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.MAILROOM_WORKER_FAULTS ?? '').split(',').includes(name);
}
