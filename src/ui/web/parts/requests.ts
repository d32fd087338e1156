/**
 * Requests to people: each open one with its buttons (approve or deny a tool call, answer a
 * question), POSTed to the actions endpoint, which calls `respond`, as the CLI does. An
 * answered one shows its reply; a second reply is refused by the server and says so here.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, type RequestView } from '../api.js';
import { fmtClock } from '../format.js';

function Reply({ r }: { r: RequestView }) {
  if (!r.reply) return null;
  const verb = r.reply.kind === 'approval' ? 'approved' : r.reply.kind === 'denial' ? 'denied' : 'answered';
  return html`<div class="request-reply" data-testid="request-reply" data-kind=${r.reply.kind}><b>${verb}</b>${r.reply.text ? html`: ${r.reply.text}` : ''} <span class="muted small">${r.reply.at}</span></div>`;
}

function RequestItem({ session, r }: { session: string; r: RequestView }) {
  const [text, setText] = useState('');
  const [state, setState] = useState<{ busy?: boolean; error?: string; sent?: string }>({});
  const send = async (body: Record<string, unknown>, label: string) => {
    setState({ busy: true });
    try {
      await api.action(session, { ...body, request: r.id });
      setState({ sent: label });
    } catch (err) {
      setState({ error: (err as Error).message });
    }
  };
  const open = !r.reply && !state.sent;
  return html`<div class="request" data-testid="request" data-request=${r.id} data-kind=${r.kind} data-open=${open ? 'yes' : 'no'}>
    <div>
      <span class="mono">${r.id}</span> <span class="mono muted">${fmtClock(r.sentAt)}</span> <span class="mono">${r.agent}</span>${' '}
      <span class="type">${r.kind === 'approval' ? 'asks to run' : 'asks'}</span> <span class="mono" data-testid="request-summary">${r.summary}</span>
    </div>
    ${r.kind === 'approval' && r.input !== undefined ? html`<details><summary class="muted small">input</summary><pre class="json">${JSON.stringify(r.input, null, 2)}</pre></details>` : null}
    ${r.context ? html`<details><summary class="muted small">context</summary><pre class="json">${r.context}</pre></details>` : null}
    <${Reply} r=${r} />
    ${open
      ? html`<div class="request-actions">
          <input type="text" data-testid="request-text" placeholder=${r.kind === 'approval' ? 'note, or the reason to deny' : 'your answer'} value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
          ${r.kind === 'approval'
            ? html`<button data-testid="approve" disabled=${state.busy} onClick=${() => send({ action: 'approve', ...(text ? { note: text } : {}) }, 'approved')}>Approve</button>
                <button class="danger" data-testid="deny" disabled=${state.busy || !text.trim()} title="give a reason first" onClick=${() => send({ action: 'deny', reason: text }, 'denied')}>Deny</button>`
            : html`<button data-testid="answer" disabled=${state.busy || !text.trim()} onClick=${() => send({ action: 'answer', text }, 'answered')}>Answer</button>`}
        </div>`
      : null}
    ${state.sent ? html`<span class="action-note" data-testid="request-sent">${state.sent}</span>` : null}
    ${state.error ? html`<span class="action-note error-text" data-testid="request-error">${state.error}</span>` : null}
  </div>`;
}

export function Requests({ session, requests }: { session: string; requests: RequestView[] }) {
  const open = requests.filter((r) => !r.reply).length;
  return html`<div data-testid="requests">
    <div class="muted small">${open} open of ${requests.length}; the CLI does the same: mailroom pending, approve, deny, answer</div>
    ${requests.map((r) => html`<${RequestItem} key=${r.id} session=${session} r=${r} />`)}
  </div>`;
}
