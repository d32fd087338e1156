/**
 * Fault injection for crash tests. Real users never set these; the test suite uses them
 * to kill -9 a coordinator at an exact point, or to make a worker deaf to `shutdown` or
 * SIGTERM, so that every rung of recovery and of the termination ladder is exercised with
 * real processes and real signals.
 *
 * - MAILROOM_CRASH_AT=<point>: the coordinator SIGKILLs itself on reaching that point.
 *   - `after-plan`, `after-spawn`, `after-first-result`, `after-failure`: right after that step.
 *   - `journal:<n>`: right after the journal's line n is written.
 *   - `during-usage-save`: in the middle of the first usage.json save that holds a
 *     worker's usage (the temporary file is written, the rename has not happened).
 *   - `during-journal-append`: halfway through writing the first `result` line of the
 *     journal, leaving a torn last line.
 *   - `during-handover`: in the middle of handing a subtask to a warm spare: `adopted.json`
 *     is written and the spare has read its assign and, as the agent, the agent's own
 *     assign, but the `spawn` line is not journaled yet (coordinator/spares.ts).
 *   - `before-assign-read`: a host crash between a spawn and the worker's read of its
 *     assignment. The first attempt of a worker SIGKILLs its coordinator and then itself
 *     before it opens its mailbox, so both die with the assignment still unread.
 * - MAILROOM_DELAY_AT=<point>:<ms>: the coordinator waits that long at that point, as a slow
 *   disk or a contended lock would make it, so a race that real runs lose now and then is
 *   lost every time. `after-failure-commit`: right after a failure is journaled, before the
 *   rest of its handling (agent.json, the fallback decision).
 * - MAILROOM_JOURNAL_FAIL_AFTER=<n>: every journal append after line n fails with EPERM
 *   (a read-only or immutable journal, without needing root to make one).
 * - MAILROOM_WORKER_FAULTS=ignore-shutdown,ignore-sigterm,die-before-assign: worker
 *   behaviours. `die-before-assign` makes a worker's first attempt SIGKILL itself before it
 *   reads its assignment (its coordinator lives on and retries).
 */

/** Named points in the coordinator's run where a crash test may kill it. */
export type CrashPoint =
  | 'after-plan'
  | 'after-spawn'
  | 'after-first-result'
  | 'after-failure'
  | 'during-usage-save'
  | 'during-journal-append'
  | 'during-handover'
  | 'before-assign-read';

/** True when the test asked for a crash at this point. */
export function crashAt(point: CrashPoint, env: NodeJS.ProcessEnv = process.env): boolean {
  return env.MAILROOM_CRASH_AT === point;
}

export function crashPoint(point: CrashPoint, env: NodeJS.ProcessEnv = process.env): void {
  if (crashAt(point, env)) process.kill(process.pid, 'SIGKILL');
}

/** Named points in the coordinator's run where a test may hold it up. */
export type DelayPoint = 'after-failure-commit';

/** Waits as long as MAILROOM_DELAY_AT asks for at this point; at once otherwise. */
export async function delayPoint(point: DelayPoint, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [at, ms] = (env.MAILROOM_DELAY_AT ?? '').split(':');
  if (at !== point || !ms) return;
  await new Promise((resolve) => setTimeout(resolve, Number(ms)));
}

export type WorkerFault = 'ignore-shutdown' | 'ignore-sigterm' | 'die-before-assign';

export function workerFault(name: WorkerFault, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.MAILROOM_WORKER_FAULTS ?? '').split(',').includes(name);
}

/**
 * The worker's crash points before it opens its mailbox, on its first attempt only (the
 * retry must get through): `before-assign-read` takes its coordinator down too, as a host
 * crash would; `die-before-assign` kills the worker alone.
 */
export function crashBeforeAssignRead(attempt: number, coordinatorPid: number, env: NodeJS.ProcessEnv = process.env): void {
  if (attempt !== 1) return;
  if (crashAt('before-assign-read', env)) {
    try {
      process.kill(coordinatorPid, 'SIGKILL');
    } catch {
      // Already gone (another worker got there first).
    }
    process.kill(process.pid, 'SIGKILL');
  }
  if (workerFault('die-before-assign', env)) process.kill(process.pid, 'SIGKILL');
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
