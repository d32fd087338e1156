/** `mailroom sessions`: every session under the runtime dir, oldest first, newest last. */
import { formatAge, formatCost, formatTokens, oneLine, table, truncate } from './format.js';
import type { SessionSummary } from '../../inspect/sessions.js';

export { listSessions, type SessionSummary } from '../../inspect/sessions.js';

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
