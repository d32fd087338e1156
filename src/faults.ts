/**
 * Fault injection for crash tests. Real users never set these; the test suite uses them
 * to kill -9 a coordinator at an exact point, or to make a worker deaf to `shutdown` or
 * SIGTERM, so that every rung of recovery and of the termination ladder is exercised with
 * real processes and real signals.
 *
 * - MAILROOM_CRASH_AT=<point>: the coordinator SIGKILLs itself on reaching that point;
 *   `journal:<n>` is the point right after the journal's line n is written.
 * - MAILROOM_JOURNAL_FAIL_AFTER=<n>: every journal append after line n fails with EPERM
 *   (a read-only or immutable journal, without needing root to make one).
 * - MAILROOM_WORKER_FAULTS=ignore-shutdown,ignore-sigterm: worker behaviours.
 */

/** Named points in the coordinator's run where a crash test may kill it. */
export type CrashPoint = 'after-plan' | 'after-spawn' | 'after-first-result' | 'after-failure';

export function crashPoint(point: CrashPoint, env: NodeJS.ProcessEnv = process.env): void {
  if (env.MAILROOM_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}

export function workerFault(name: 'ignore-shutdown' | 'ignore-sigterm', env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.MAILROOM_WORKER_FAULTS ?? '').split(',').includes(name);
}

/** Kills the coordinator right after journal line `lineNo` when MAILROOM_CRASH_AT=journal:<lineNo>. */
export function journalLineWritten(lineNo: number, env: NodeJS.ProcessEnv = process.env): void {
  if (env.MAILROOM_CRASH_AT === `journal:${lineNo}`) process.kill(process.pid, 'SIGKILL');
}

/** The injected write error for journal line `lineNo`, if MAILROOM_JOURNAL_FAIL_AFTER says so. */
export function journalWriteFault(lineNo: number, file: string, env: NodeJS.ProcessEnv = process.env): Error | undefined {
  const after = env.MAILROOM_JOURNAL_FAIL_AFTER;
  if (after === undefined || !/^\d+$/.test(after) || lineNo <= Number(after)) return undefined;
  return Object.assign(new Error(`EPERM: operation not permitted, open '${file}' (injected)`), { code: 'EPERM' });
}
