/**
 * Samples the live worker processes of a session while a test runs, to prove that no
 * subtask ever had two live workers at the same instant.
 */
import { findWorkerProcesses, listWorkerProcesses } from '../../src/engine/process/procscan.js';

export class WorkerWatch {
  private timer: NodeJS.Timeout | undefined;
  /** agent id -> every pid seen. */
  readonly seen = new Map<string, Set<number>>();
  /** The most live processes seen at once for one agent id. */
  maxConcurrent = 0;

  constructor(private readonly sessionDir: () => string | undefined) {}

  start(intervalMs = 40): this {
    this.timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  sample(): void {
    const dir = this.sessionDir();
    if (!dir) return;
    const byAgent = new Map<string, number>();
    for (const { agent, pid } of listWorkerProcesses(dir)) {
      byAgent.set(agent, (byAgent.get(agent) ?? 0) + 1);
      let pids = this.seen.get(agent);
      if (!pids) this.seen.set(agent, (pids = new Set()));
      pids.add(pid);
    }
    for (const n of byAgent.values()) this.maxConcurrent = Math.max(this.maxConcurrent, n);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Live worker processes of the session now. */
  live(): string[] {
    const dir = this.sessionDir();
    return dir ? [...findWorkerProcesses(dir).keys()] : [];
  }
}
