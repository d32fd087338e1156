/** `mailroom sessions`: every session under the runtime dir, oldest first, newest last. */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { SESSION_ID_PATTERN, resolveRuntimeDir, sessionsDir } from '../../session/layout.js';
import { formatAge, formatCost, formatTokens, oneLine, table, truncate } from './format.js';
import { effectiveStatus, knownCost, listAgents, readSessionLoose, readUsage, tokensOf } from './session-data.js';

export interface SessionSummary {
  id: string;
  dir: string;
  status: string;
  reason?: string;
  task: string;
  createdAt?: number;
  agents: number;
  tokens?: number;
  costUsd?: number;
  costIncomplete: boolean;
}

/** Summaries of every session, sorted by id (that is, by start time). */
export async function listSessions(runtimeOpt?: string): Promise<{ root: string; sessions: SessionSummary[] }> {
  const root = sessionsDir(resolveRuntimeDir(runtimeOpt));
  const ids = (await fsp.readdir(root).catch(() => [] as string[])).filter((n) => SESSION_ID_PATTERN.test(n)).sort();
  const sessions = await Promise.all(
    ids.map(async (id): Promise<SessionSummary> => {
      const dir = path.join(root, id);
      const [record, usage, agents] = await Promise.all([readSessionLoose(dir), readUsage(dir), listAgents(dir)]);
      const cost = knownCost(usage);
      const created = record?.createdAt ? Date.parse(record.createdAt) : undefined;
      return {
        id,
        dir,
        status: effectiveStatus(record),
        ...(record?.reason ? { reason: record.reason } : {}),
        task: record?.task ?? '(no session.json)',
        ...(created !== undefined && Number.isFinite(created) ? { createdAt: created } : {}),
        agents: agents.length,
        ...(usage ? { tokens: tokensOf(usage.total) } : {}),
        ...(cost.usd !== undefined ? { costUsd: cost.usd } : {}),
        costIncomplete: cost.incomplete,
      };
    }),
  );
  return { root, sessions };
}

/** The table `sessions` prints; the task column is cut to fit `columns` (default 120). */
export function formatSessions(sessions: SessionSummary[], opts: { now?: number; columns?: number } = {}): string {
  const now = opts.now ?? Date.now();
  const rows = sessions.map((s) => [
    s.id,
    s.status,
    s.createdAt !== undefined ? formatAge(now - s.createdAt) : '-',
    String(s.agents),
    formatTokens(s.tokens),
    formatCost(s.costUsd, s.costIncomplete),
    oneLine(s.task),
  ]);
  const header = ['SESSION', 'STATUS', 'AGE', 'AGENTS', 'TOKENS', 'COST', 'TASK'];
  // Lay out without the task first, to learn how much room the task has.
  const fixed = table([header.slice(0, -1), ...rows.map((r) => r.slice(0, -1))], ['left', 'left', 'right', 'right', 'right', 'right']);
  const room = Math.max(20, (opts.columns ?? 120) - (fixed[0]?.length ?? 0) - 2);
  const lines = table(
    [header, ...rows.map((r) => [...r.slice(0, -1), truncate(r.at(-1) ?? '', room)])],
    ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
  );
  return lines.join('\n') + '\n';
}
