/**
 * Samples the live worker processes of a session while a test runs, to prove that no
 * subtask ever had two live workers at the same instant.
 */
import { findWorkerProcesses } from '../../src/coordinator/procscan.js';
import fs from 'node:fs';

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
    for (const name of safeReaddir('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        const s = args.indexOf('--session');
        const a = args.indexOf('--agent');
        if (s < 0 || a < 0 || args[s + 1] !== dir) continue;
        if (/\) [ZX] /.test(fs.readFileSync(`/proc/${name}/stat`, 'utf8'))) continue;
        const agent = args[a + 1]!;
        byAgent.set(agent, (byAgent.get(agent) ?? 0) + 1);
        let pids = this.seen.get(agent);
        if (!pids) this.seen.set(agent, (pids = new Set()));
        pids.add(Number(name));
      } catch {
        // gone while sampled
      }
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

function safeReaddir(d: string): string[] {
  try {
    return fs.readdirSync(d);
  } catch {
    return [];
  }
}
