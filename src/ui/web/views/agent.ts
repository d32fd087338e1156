/** One agent: its conversation, mailbox, log and agent.json, in tabs; a stop button while it runs. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { statusClass } from '../format.js';
import { useLive } from '../hooks.js';
import { KillButton } from '../parts/kill.js';
import { Mailbox } from '../parts/mailbox.js';
import { Conversation } from '../parts/transcript.js';

const TABS = ['conversation', 'mailbox', 'log', 'agent.json'] as const;
type Tab = (typeof TABS)[number];
const LEVEL: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function AgentView({ id, agent }: { id: string; agent: string }) {
  const [tab, setTab] = useState<Tab>('conversation');
  const { data: a, error } = useLive(`agent:${id}/${agent}`, () => api.agent(id, agent), (b) => b.agents.includes(`${id}/${agent}`));
  if (error && !a) return html`<div class="error" data-testid="error">${error.status === 404 ? `No agent ${agent} in ${id}.` : `Could not load ${agent}: ${error.message}`}</div>`;
  if (!a) return html`<div class="loading">loading…</div>`;
  const rec = a.record ?? {};
  const dead = a.mailbox.filter((m) => m.folder === 'dead').length;
  const running = rec.status === 'running';
  return html`
    <section class="page" data-testid="agent" data-agent=${a.id}>
      <div class="page-head">
        <h1 class="mono">${a.id}</h1>
        <span class=${statusClass(rec.status)} data-testid="agent-status">${rec.status ?? 'unknown'}</span>
        <span class="muted">${rec.role ?? ''}${rec.subtask ? ` · subtask ${rec.subtask}` : ''}${rec.attempt ? ` · attempt ${rec.attempt}` : ''}${rec.model ? ` · ${rec.model}` : ''}</span>
        <span class="spacer"></span>
        ${a.id !== 'coordinator' && a.id !== 'human' ? html`<${KillButton} session=${id} agent=${a.id} label="Stop worker" enabled=${running} />` : null}
      </div>
      ${rec.error ? html`<p class="reason">${rec.error}</p>` : null}
      <div class="tabs" role="tablist">
        ${TABS.map(
          (t) => html`<button role="tab" class=${`tab ${tab === t ? 'active' : ''}`} aria-selected=${tab === t} data-testid=${`tab-${t}`} onClick=${() => setTab(t)}>
            ${t}${t === 'conversation' ? html` <span class="count">${a.transcript.length}</span>` : ''}${t === 'mailbox' ? html` <span class="count">${a.mailbox.length}</span>${dead ? html` <span class="count bad">${dead} dead</span>` : ''}` : ''}
          </button>`,
        )}
      </div>
      <div class="card">
        ${tab === 'conversation' ? html`<${Conversation} lines=${a.transcript} />` : null}
        ${tab === 'mailbox' ? html`<${Mailbox} messages=${a.mailbox} />` : null}
        ${tab === 'log'
          ? html`<div data-testid="log">
              ${a.log.truncated ? html`<div class="muted small">older lines left out</div>` : null}
              ${a.log.lines.length === 0 ? html`<div class="empty">No log lines.</div>` : null}
              <pre class="log">${a.log.lines.map((l) => html`<div class=${`lv lv-${LEVEL[l.level ?? 30] ?? 'info'}`}>${l.text}</div>`)}</pre>
              ${a.stderr ? html`<h3>stderr</h3><pre class="log">${a.stderr}</pre>` : null}
            </div>`
          : null}
        ${tab === 'agent.json' ? html`<pre class="json" data-testid="agent-json">${JSON.stringify(a.record ?? null, null, 2)}</pre>` : null}
      </div>
    </section>
  `;
}
