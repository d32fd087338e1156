/** Mailbox messages: every file in tmp/, new/, cur/ and dead/ in name order, with its envelope; dead/ with its reason. */
import { html } from 'htm/preact';
import type { AgentPayload } from '../api.js';
import { fmtClock } from '../format.js';

type Stored = AgentPayload['mailbox'][number];

const FOLDER_LABEL: Record<string, string> = { cur: 'handled', new: 'waiting', dead: 'dead', tmp: 'being written' };

/** The envelope fields of a file that is JSON but not a message this version knows (e.g. a newer type). */
function looseEnvelope(raw: string | undefined): { sentAt: number; from: string; to: string; type: string } | undefined {
  try {
    const o = JSON.parse(raw ?? '') as Record<string, unknown>;
    if (typeof o.from === 'string' && typeof o.to === 'string' && typeof o.type === 'string') return { sentAt: typeof o.sentAt === 'number' ? o.sentAt : 0, from: o.from, to: o.to, type: o.type };
  } catch {
    // not JSON: shown by name
  }
  return undefined;
}

export function Envelope({ m }: { m: Stored }) {
  const e = m.envelope ?? looseEnvelope(m.raw);
  return html`<details class=${`msg folder-${m.folder}`} data-testid="mail" data-folder=${m.folder} data-name=${m.name} open=${m.folder === 'dead'}>
    <summary>
      <span class=${`folder f-${m.folder}`}>${m.folder}</span>
      ${e
        ? html`<span class="mono muted">${fmtClock(e.sentAt)}</span> <span class="mono">${e.from} → ${e.to}</span> <span class="type">${e.type}</span>`
        : html`<span class="mono">${m.name}</span> <span class="muted">${m.error ? 'not a valid message' : ''}</span>`}
      <span class="muted small">${FOLDER_LABEL[m.folder]}</span>
    </summary>
    ${m.reason ? html`<div class="dead-reason" data-testid="dead-reason"><b>dead because:</b> ${m.reason}</div>` : null}
    ${m.error && !(m.reason && m.reason.includes(m.error)) ? html`<div class="dead-reason">${m.folder === 'dead' ? '' : 'not a message this version knows: '}${m.error}</div>` : null}
    <div class="mono small muted">file ${m.folder}/${m.name}</div>
    <pre class="json">${m.envelope ? JSON.stringify(m.envelope, null, 2) : (m.raw ?? '')}</pre>
  </details>`;
}

export function Mailbox({ messages }: { messages: Stored[] }) {
  if (messages.length === 0) return html`<div class="empty">No messages in this mailbox.</div>`;
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.folder, (counts.get(m.folder) ?? 0) + 1);
  return html`<div data-testid="mailbox">
    <div class="muted small">${['tmp', 'new', 'cur', 'dead'].map((f) => `${f}/ ${counts.get(f) ?? 0}`).join(' · ')}, in send order</div>
    ${messages.map((m) => html`<${Envelope} m=${m} />`)}
  </div>`;
}
