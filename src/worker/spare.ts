/**
 * How a worker waits for its assignment. An ordinary worker gives up after a timeout (its
 * assign is written before it is spawned, so a missing one means something went wrong). A
 * warm spare has no subtask yet: it waits as long as the coordinator that started it lives,
 * and leaves on its own once that process is gone, so that a spare never outlives its
 * session, even when the coordinator was killed with SIGKILL and nobody resumes it.
 */
import { isPidAlive } from '../util/fs.js';

/** How often an idle spare checks that its coordinator still lives. */
export const SPARE_PARENT_CHECK_MS = 250;

export type AssignWait = { timeoutMs: number } | { spawnedBy: number };

/** Resolves with the assignment, or undefined on timeout, abort (shutdown), or a dead coordinator. */
export async function waitForAssignment<T>(assigned: Promise<T>, signal: AbortSignal, how: AssignWait): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const stop = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
    if ('timeoutMs' in how) {
      timer = setTimeout(() => resolve(undefined), how.timeoutMs);
    } else {
      // The coordinator's pid from session.json when the spare started: a resumed session's
      // new coordinator does not inherit idle spares (it ends any it finds, see coordinator/spares.ts).
      timer = setInterval(() => {
        if (!isPidAlive(how.spawnedBy)) resolve(undefined);
      }, SPARE_PARENT_CHECK_MS);
    }
    timer.unref();
  });
  try {
    return await Promise.race([assigned, stop]);
  } finally {
    clearTimeout(timer);
    clearInterval(timer);
  }
}
