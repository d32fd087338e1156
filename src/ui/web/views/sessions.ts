/** The sessions list: status, task, age, agents, tokens, cost and pattern; filter by status. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { fmtAge, fmtCost, fmtTokens, statusClass } from '../format.js';
import { useLive } from '../hooks.js';

const FILTERS = ['all', 'running', 'waiting', 'completed', 'failed', 'interrupted', 'crashed', 'needs_human'];

export function SessionsView({ status }: { status?: string }) {
  const [polling, setPolling] = useState(false);
  // Any change under sessions/ can change the list (a new session, a status, usage).
  const { data, error } = useLive('sessions', api.sessions, (b) => b.sessions.length > 0, polling ? 10_000 : undefined);
  const anyRunning = data?.sessions.some((s) => s.status === 'running') ?? false;
  useEffect(() => setPolling(anyRunning), [anyRunning]);
  if (error && !data) return html`<div class="error">Could not load sessions: ${error.message}</div>`;
  if (!data) return html`<div class="loading">loading…</div>`;
  const newestFirst = [...data.sessions].reverse();
  const counts = new Map<string, number>();
  for (const s of newestFirst) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const shown = status && status !== 'all' ? newestFirst.filter((s) => s.status === status) : newestFirst;
  const now = Date.now();
  return html`
    <section class="page">
      <div class="page-head">
        <h1>Sessions</h1>
        <span class="muted mono">${data.root}</span>
      </div>
      <div class="filters" role="toolbar" aria-label="filter by status">
        ${FILTERS.filter((f) => f === 'all' || counts.has(f) || f === status).map(
          (f) => html`<a
            class=${`chip ${(status ?? 'all') === f ? 'active' : ''}`}
            href=${f === 'all' ? '#/' : `#/?status=${f}`}
            data-testid=${`filter-${f}`}
            >${f.replace('_', ' ')} <span class="count">${f === 'all' ? newestFirst.length : (counts.get(f) ?? 0)}</span></a
          >`,
        )}
      </div>
      ${shown.length === 0
        ? html`<div class="empty card">No sessions${status && status !== 'all' ? ` with status ${status}` : ''} yet. Start one with <code>npm start -- "your task"</code>; it appears here at once.</div>`
        : html`<div class="card flush">
            <table class="grid sessions" data-testid="sessions">
              <thead>
                <tr><th>Session</th><th>Status</th><th>Task</th><th>Pattern</th><th class="num">Age</th><th class="num">Agents</th><th class="num">Tokens</th><th class="num">Cost</th></tr>
              </thead>
              <tbody>
                ${shown.map(
                  (s) => html`<tr data-testid="session-row" data-session=${s.id} data-status=${s.status} onClick=${() => (location.hash = `#/s/${s.id}`)}>
                    <td class="mono"><a href=${`#/s/${s.id}`}>${s.id}</a></td>
                    <td><span class=${statusClass(s.status)}>${s.status}</span></td>
                    <td class="task" title=${s.task}>${s.task}${s.reason ? html`<div class="reason">${s.reason}</div>` : ''}</td>
                    <td>${s.pattern ?? '-'}</td>
                    <td class="num">${s.createdAt !== undefined ? fmtAge(now - s.createdAt) : '-'}</td>
                    <td class="num">${s.agents}</td>
                    <td class="num">${fmtTokens(s.tokens)}</td>
                    <td class="num">${fmtCost(s.costUsd, s.costIncomplete)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`}
    </section>
  `;
}
