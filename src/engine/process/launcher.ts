/**
 * The seam between the coordinator and where its workers run. `local` is today's process
 * model (spawn.ts, terminate.ts, procscan.ts); `redis` hands workers to worker-host daemons
 * on other machines (redis-launcher.ts). The coordinator asks only these questions.
 */
import type { MailboxTransport } from '../../mailbox/transport.js';
import { isPidAlive } from '../../util/fs.js';
import { findWorkerProcesses, isWorkerProcess } from './procscan.js';
import { spawnWorker } from './spawn.js';
import { terminateProcess, waitForExit, type TerminateOptions, type TerminationStep } from './terminate.js';

export interface LaunchedWorker {
  pid: number;
  /** The worker host's name; undefined when local. */
  host?: string;
  /** Resolves when the process ends (when known). */
  exited?: Promise<unknown>;
}

export interface WorkerLauncher {
  readonly kind: 'local' | 'redis';
  /** Where these workers read and write their mail; absent: the session's Maildirs. */
  readonly transport?: MailboxTransport;
  /**
   * Starts the worker of `agentId` (its assign is already in its mailbox), or, with
   * `spare`, a warm spare that waits for one (local launcher only).
   */
  spawn(sessionDir: string, agentId: string, attempt: number, env?: NodeJS.ProcessEnv, opts?: { spare?: boolean }): Promise<LaunchedWorker>;
  /** Whether that worker process is still alive. */
  isAlive(agentId: string, pid: number): Promise<boolean>;
  /** Whether `pid` is still this agent's worker (never signal a reused pid). */
  isWorker(agentId: string, pid: number): Promise<boolean>;
  /** Waits up to `ms` for the worker to end; true if it did. */
  waitForExit(agentId: string, pid: number, ms: number): Promise<boolean>;
  /** The termination ladder for that worker. */
  terminate(agentId: string, opts: TerminateOptions): Promise<TerminationStep>;
  /** Live workers of the session by agent id (for resume). */
  findWorkers(sessionDir: string): Promise<Map<string, number>>;
  /** Releases connections; workers keep running. */
  close(): Promise<void>;
}

/** Workers as child processes of this machine. */
export class LocalLauncher implements WorkerLauncher {
  readonly kind = 'local' as const;

  /** Our own children's exits by pid, so waits end when a child is reaped, not on a poll. */
  private readonly exits = new Map<number, Promise<unknown>>();

  constructor(private readonly sessionDir: string) {}

  async spawn(sessionDir: string, agentId: string, _attempt: number, env?: NodeJS.ProcessEnv, opts?: { spare?: boolean }): Promise<LaunchedWorker> {
    const w = spawnWorker(sessionDir, agentId, env, opts);
    this.exits.set(w.pid, w.exited);
    // Once reaped the pid may be reused; a later wait falls back to the poll, which sees it gone.
    void w.exited.then(() => this.exits.delete(w.pid));
    return { pid: w.pid, exited: w.exited };
  }

  async isAlive(_agentId: string, pid: number): Promise<boolean> {
    return isPidAlive(pid);
  }

  async isWorker(agentId: string, pid: number): Promise<boolean> {
    return isWorkerProcess(pid, this.sessionDir, agentId);
  }

  waitForExit(_agentId: string, pid: number, ms: number): Promise<boolean> {
    return waitForExit(pid, ms, this.exits.get(pid));
  }

  terminate(_agentId: string, opts: TerminateOptions): Promise<TerminationStep> {
    return terminateProcess({ ...opts, exited: opts.exited ?? this.exits.get(opts.pid) });
  }

  async findWorkers(sessionDir: string): Promise<Map<string, number>> {
    return findWorkerProcesses(sessionDir);
  }

  async close(): Promise<void> {}
}
