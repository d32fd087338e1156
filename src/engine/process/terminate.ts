/**
 * The termination ladder: a `shutdown` message, then SIGTERM to the process group, then
 * SIGKILL, each after its grace period; then a check that the process is really gone.
 * A stop that reports success while the process lives on is the bug this exists to prevent.
 */
import { MailroomError } from '../../errors.js';
import { isPidAlive } from '../../util/fs.js';

export type TerminationStep = 'shutdown' | 'SIGTERM' | 'SIGKILL' | 'gone';

export interface TerminateOptions {
  pid: number;
  /** Sends the `shutdown` message; failures (e.g. a removed mailbox) skip to signals. */
  sendShutdown: () => Promise<void>;
  shutdownGraceMs: number;
  termGraceMs: number;
  /** Called as each step is taken, for the journal. */
  onStep?: (step: TerminationStep) => Promise<void> | void;
  /** Skip the polite message (the second Ctrl-C, or a worker known to be wedged). */
  force?: boolean;
  /** Resolves when the process ends, when it is our own child: each wait then ends at once. */
  exited?: Promise<unknown>;
}

/** Stops a worker. Resolves with the last step that was needed; throws if the process survives. */
export async function terminateProcess(opts: TerminateOptions): Promise<TerminationStep> {
  const { pid } = opts;
  if (!isPidAlive(pid)) {
    await opts.onStep?.('gone');
    return 'gone';
  }
  let last: TerminationStep = 'shutdown';
  if (!opts.force) {
    await opts.onStep?.('shutdown');
    try {
      await opts.sendShutdown();
    } catch {
      // No way to ask politely; the signals below still work.
    }
    if (await waitForExit(pid, opts.shutdownGraceMs, opts.exited)) return finish(opts, last);
  }
  last = 'SIGTERM';
  await opts.onStep?.('SIGTERM');
  signalGroup(pid, 'SIGTERM');
  if (await waitForExit(pid, opts.termGraceMs, opts.exited)) return finish(opts, last);
  last = 'SIGKILL';
  await opts.onStep?.('SIGKILL');
  signalGroup(pid, 'SIGKILL');
  if (await waitForExit(pid, 5_000, opts.exited)) return finish(opts, last);
  throw new MailroomError('E_TERMINATE', `worker pid ${pid} is still alive after SIGKILL`);
}

async function finish(opts: TerminateOptions, last: TerminationStep): Promise<TerminationStep> {
  // Whatever else the worker started in its group goes too.
  signalGroup(opts.pid, 'SIGKILL');
  await opts.onStep?.('gone');
  return last;
}

/** Signals the worker's whole process group; falls back to the pid alone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Waits until the pid is gone; true if it went within `ms`. With `exited` (our own child's
 * exit) the wait ends the moment the child is reaped, instead of on the next 25 ms poll:
 * a worker exits right after its result, so a session's end used to wait out that poll.
 * The poll stays for processes that are not our children (reattached after a resume).
 */
export async function waitForExit(pid: number, ms: number, exited?: Promise<unknown>): Promise<boolean> {
  const deadline = Date.now() + ms;
  let gone = false;
  let wake: (() => void) | undefined;
  void exited?.then(() => {
    gone = true;
    wake?.();
  });
  while (Date.now() < deadline) {
    if (gone || !isPidAlive(pid)) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, 25);
      wake = done;
    });
  }
  return gone || !isPidAlive(pid);
}
