/**
 * Token usage and cost, per call, per agent and per session, kept in usage.json. Workers
 * report cumulative usage per attempt; the ledger keeps the latest per attempt and sums.
 */
import type { Usage } from '../contracts/usage.js';
import { addUsage, ZERO_USAGE } from '../contracts/usage.js';
import { writeJsonAtomicSync } from '../util/fs.js';
import { crashPoint } from '../faults.js';
import { COORDINATOR_ID } from './layout.js';
import { costOf, type PriceTable } from './prices.js';

export interface AgentUsage {
  model: string;
  calls: number;
  usage: Usage;
  costUsd?: number;
}

export interface UsageReport {
  total: Usage & { calls: number };
  costUsd?: number;
  agents: Record<string, AgentUsage>;
  /** True when some model has no known price, so costUsd undercounts. */
  costIncomplete: boolean;
  updatedAt: string;
}

export class UsageLedger {
  private readonly attempts = new Map<string, Map<number, { usage: Usage; calls: number }>>();
  private readonly models = new Map<string, string>();

  constructor(
    private readonly file: string,
    private readonly prices: PriceTable,
  ) {}

  /** Adds calls made in-process (the coordinator's planning or synthesis). */
  addCall(agent: string, model: string, usage: Usage, calls = 1): void {
    this.models.set(agent, model);
    const byAttempt = this.attemptsOf(agent);
    const cur = byAttempt.get(0) ?? { usage: { ...ZERO_USAGE }, calls: 0 };
    byAttempt.set(0, { usage: addUsage(cur.usage, usage), calls: cur.calls + calls });
  }

  /** Records a worker attempt's cumulative usage so far (it only grows). */
  setAttempt(agent: string, model: string, attempt: number, usage: Usage, calls: number): void {
    this.models.set(agent, model);
    this.attemptsOf(agent).set(attempt, { usage: { ...ZERO_USAGE, ...usage }, calls });
  }

  private attemptsOf(agent: string): Map<number, { usage: Usage; calls: number }> {
    let m = this.attempts.get(agent);
    if (!m) this.attempts.set(agent, (m = new Map()));
    return m;
  }

  report(): UsageReport {
    const agents: Record<string, AgentUsage> = {};
    let total: Usage = { ...ZERO_USAGE };
    let calls = 0;
    let cost = 0;
    let costIncomplete = false;
    for (const [agent, byAttempt] of this.attempts) {
      let usage: Usage = { ...ZERO_USAGE };
      let n = 0;
      for (const a of byAttempt.values()) {
        usage = addUsage(usage, a.usage);
        n += a.calls;
      }
      const model = this.models.get(agent) ?? 'unknown';
      const c = costOf(this.prices, model, usage);
      if (c === undefined) costIncomplete = costIncomplete || (model !== 'offline' && model !== 'scripted');
      else cost += c;
      agents[agent] = { model, calls: n, usage, ...(c !== undefined ? { costUsd: round(c) } : {}) };
      total = addUsage(total, usage);
      calls += n;
    }
    return { total: { ...total, calls }, costUsd: round(cost), agents, costIncomplete, updatedAt: new Date().toISOString() };
  }

  /**
   * Writes usage.json (atomically: a temporary file renamed into place). Only the
   * coordinator writes it, and it holds the session lock, so no second lock guards it: a
   * usage lock left by a coordinator killed mid-save used to block every resume for its
   * stale threshold.
   */
  async save(): Promise<UsageReport> {
    const report = this.report();
    const hasWorkers = Object.keys(report.agents).some((a) => a !== COORDINATOR_ID);
    writeJsonAtomicSync(this.file, report, () => {
      if (hasWorkers) crashPoint('during-usage-save');
    });
    return report;
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
