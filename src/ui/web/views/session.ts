/** One session: summary, the plan graph, the timeline, usage, agents, people's requests and the answer. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type SessionPayload } from '../api.js';
import { fmtCost, fmtDuration, fmtTokens, statusClass } from '../format.js';
import { useLive } from '../hooks.js';
import { PlanGraph } from '../parts/graph.js';
import { KillButton } from '../parts/kill.js';
import { Markdown } from '../parts/markdown.js';
import { TimelineChart } from '../parts/timeline.js';
import { UsagePanel } from '../parts/usage.js';
import { Envelope } from '../parts/mailbox.js';
import { Requests } from '../parts/requests.js';

function Stat({ label, value, testid }: { label: string; value: unknown; testid?: string }) {
  return html`<div class="stat" data-testid=${testid}><div class="stat-label">${label}</div><div class="stat-value">${value}</div></div>`;
}

function summary(s: SessionPayload) {
  const r = (s.record ?? {}) as { task?: string; provider?: string; createdAt?: string; endedAt?: string; reason?: string; options?: { pattern?: string } };
  const started = r.createdAt ? Date.parse(r.createdAt) : undefined;
  const ended = r.endedAt ? Date.parse(r.endedAt) : s.status === 'running' || s.status === 'waiting' ? Date.now() : undefined;
  const tokens = s.usage ? s.usage.total.input_tokens + s.usage.total.output_tokens : undefined;
  const priced = Object.values(s.usage?.agents ?? {}).some((a) => a.costUsd !== undefined);
  return { r, started, ended, tokens, priced };
}

export function SessionView({ id }: { id: string }) {
  const [polling, setPolling] = useState(false);
  const { data: s, error } = useLive(`session:${id}`, () => api.session(id), (b) => b.sessions.includes(id), polling ? 5_000 : undefined);
  const isRunning = s?.status === 'running' || s?.status === 'waiting';
  useEffect(() => setPolling(isRunning), [isRunning]);
  if (error && !s) return html`<div class="error" data-testid="error">${error.status === 404 ? `No session ${id}.` : `Could not load ${id}: ${error.message}`}</div>`;
  if (!s) return html`<div class="loading">loading…</div>`;
  const { r, started, ended, tokens, priced } = summary(s);
  // Waiting for people is still a live session.
  const running = s.status === 'running' || s.status === 'waiting';
  const workers = s.agents.filter((a) => a.id !== 'coordinator' && a.id !== 'human');
  return html`
    <section class="page" data-testid="session" data-session=${s.id} data-status=${s.status}>
      <div class="page-head">
        <h1 class="mono">${s.id}</h1>
        <span class=${statusClass(s.status)} data-testid="session-status">${s.status}</span>
        <span class="spacer"></span>
        <${KillButton} session=${s.id} label="Stop session" enabled=${running} />
      </div>
      <p class="task" data-testid="task">${r.task ?? ''}</p>
      ${r.reason ? html`<p class="reason">${r.reason}</p>` : null}
      <div class="stats">
        <${Stat} label="pattern" value=${r.options?.pattern ?? '-'} />
        <${Stat} label="provider" value=${r.provider ?? '-'} />
        <${Stat} label=${running ? 'running for' : 'took'} value=${started !== undefined && ended !== undefined ? fmtDuration(ended - started) : '-'} />
        <${Stat} label="agents" value=${s.agents.length} />
        <${Stat} label="tokens" value=${fmtTokens(tokens)} />
        <${Stat} label="cost" value=${priced ? fmtCost(s.usage?.costUsd, s.usage?.costIncomplete) : '-'} />
      </div>

      <div class="cols">
        <div class="card">
          <h2>Plan <span class="muted small">${s.plan ? `${s.plan.subtasks.length} subtask(s), failure policy ${typeof s.plan.failurePolicy === 'object' ? `quorum ${s.plan.failurePolicy.quorum}` : s.plan.failurePolicy}` : ''}</span></h2>
          <${PlanGraph} nodes=${s.graph} sessionId=${s.id} />
        </div>
        <div class="card">
          <h2>Agents</h2>
          <table class="grid compact" data-testid="agents">
            <thead><tr><th>Agent</th><th>Role</th><th>Status</th><th class="num">Tries</th><th class="num">Pid</th><th class="num">Mail</th><th></th></tr></thead>
            <tbody>
              ${s.agents.map(
                (a) => html`<tr data-testid="agent-row" data-agent=${a.id} data-status=${a.status}>
                  <td class="mono"><a href=${`#/s/${s.id}/a/${a.id}`}>${a.id}</a></td>
                  <td>${a.record?.role ?? (a.id === 'coordinator' ? 'coordinator' : a.id === 'human' ? 'people' : '-')}</td>
                  <td><span class=${statusClass(a.status)}>${a.status}</span></td>
                  <td class="num">${a.attempts || '-'}</td>
                  <td class="num mono">${a.pid ?? '-'}${a.pidAlive ? html`<span class="alive" title="alive now">●</span>` : ''}</td>
                  <td class="num" title="new / cur / dead">${a.mailbox ? html`${a.mailbox.new}/${a.mailbox.cur}${a.mailbox.dead ? html`/<span class="error-text">${a.mailbox.dead}</span>` : ''}` : '-'}</td>
                  <td>${a.pidAlive && a.id !== 'coordinator' && workers.includes(a) ? html`<${KillButton} session=${s.id} agent=${a.id} label="Stop" />` : null}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </div>

      <div class="card">
        <h2>Timeline</h2>
        <${TimelineChart} timeline=${s.timeline} running=${running} />
      </div>

      ${s.humanRequests.length || s.requests.length
        ? html`<div class="card" data-testid="human-requests">
            <h2>Requests to people</h2>
            <${Requests} session=${s.id} requests=${s.requests} />
            <h3 class="muted small">the human mailbox's files</h3>
            ${s.humanRequests.map((m) => html`<${Envelope} m=${m} />`)}
          </div>`
        : null}

      <div class="cols">
        <div class="card">
          <h2>Usage per agent</h2>
          <${UsagePanel} usage=${s.usage} />
        </div>
        <div class="card">
          <h2>Final answer</h2>
          ${s.result !== undefined
            ? html`<${Markdown} source=${s.result} />`
            : html`<div class="empty">${running ? 'Not yet: the session is running.' : 'No result.md: partial results are in the journal.'}</div>`}
        </div>
      </div>
    </section>
  `;
}
