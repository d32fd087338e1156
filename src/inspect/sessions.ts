/** Every session under the runtime dir, summarised (for `mailroom sessions` and the viewer). */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { SESSION_ID_PATTERN, resolveRuntimeDir, sessionsDir } from '../session/layout.js';
import { effectiveStatus, knownCost, listAgents, readSessionLoose, readUsage, tokensOf } from './session-data.js';

export interface SessionSummary {
  id: string;
  dir: string;
  status: string;
  reason?: string;
  task: string;
  /** The orchestration pattern from session.json's options. */
  pattern?: string;
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
        ...(typeof record?.options?.pattern === 'string' ? { pattern: record.options.pattern } : {}),
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
