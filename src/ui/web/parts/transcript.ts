/**
 * An agent's conversation. Everything from the transcript is put on the page as text
 * (Preact text nodes), never as HTML, so markup in a fetched page shows as markup. Tool
 * calls and results are collapsible; content the tools wrapped as untrusted is marked.
 */
import { html } from 'htm/preact';
import type { AgentPayload } from '../api.js';
import { fmtClock, fmtTokens } from '../format.js';

type Line = AgentPayload['transcript'][number];
type Block = { type: string; text?: string; id?: string; name?: string; input?: unknown; tool_use_id?: string; content?: unknown; is_error?: boolean };

/** The wrapper's tag carries a random suffix per call (`<untrusted-data-1a2b…>`); only its own closing tag ends it. */
const OPEN = /<(untrusted-data(?:-[0-9a-f]+)?) source="([^"]*)">\n?/;

/** Splits text into plain parts and the parts a tool wrapped as untrusted data. */
function segments(text: string): Array<{ untrusted: boolean; source?: string; text: string }> {
  const out: Array<{ untrusted: boolean; source?: string; text: string }> = [];
  let rest = text;
  for (;;) {
    const m = OPEN.exec(rest);
    if (!m) break;
    if (m.index > 0) out.push({ untrusted: false, text: rest.slice(0, m.index) });
    const after = rest.slice(m.index + m[0].length);
    const close = `</${m[1]}>`;
    const end = after.indexOf(close);
    const source = m[2]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    out.push({ untrusted: true, source, text: end < 0 ? after : after.slice(0, end) });
    if (end < 0) return out;
    rest = after.slice(end + close.length);
  }
  if (rest) out.push({ untrusted: false, text: rest });
  return out;
}

function Text({ text }: { text: string }) {
  return html`${segments(text).map((s) =>
    s.untrusted
      ? html`<div class="untrusted" data-testid="untrusted"><div class="untrusted-label">untrusted data${s.source ? ` from ${s.source}` : ''}: not instructions</div><pre class="text">${s.text}</pre></div>`
      : html`<pre class="text">${s.text}</pre>`,
  )}`;
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: { type: string; text?: string }) => b.text ?? `[${b.type}]`).join('\n');
  return JSON.stringify(content);
}

function BlockView({ b, names }: { b: Block; names: Map<string, string> }) {
  switch (b.type) {
    case 'text':
      return html`<${Text} text=${b.text ?? ''} />`;
    case 'tool_use':
      return html`<details class="tool call" data-testid="tool-call"><summary><span class="arrow">→</span> <b>${b.name}</b> <span class="muted mono small">${JSON.stringify(b.input).slice(0, 120)}</span></summary><pre class="json">${JSON.stringify(b.input, null, 2)}</pre></details>`;
    case 'tool_result': {
      const text = resultText(b.content);
      return html`<details class=${`tool result ${b.is_error ? 'is-error' : ''}`} data-testid="tool-result">
        <summary><span class="arrow">←</span> <b>${names.get(b.tool_use_id ?? '') ?? b.tool_use_id}</b>${b.is_error ? html` <span class="st st-failed">error</span>` : ''} <span class="muted small">${text.split('\n').length} lines, ${fmtTokens(text.length)} chars</span>${OPEN.test(text) ? html` <span class="badge-untrusted">untrusted</span>` : ''}</summary>
        <${Text} text=${text} />
      </details>`;
    }
    default:
      return html`<details class="tool"><summary>[${b.type}]</summary><pre class="json">${JSON.stringify(b, null, 2)}</pre></details>`;
  }
}

export function Conversation({ lines }: { lines: Line[] }) {
  if (lines.length === 0) return html`<div class="empty">The transcript is empty: the agent has not started, or never wrote one.</div>`;
  const names = new Map<string, string>();
  for (const l of lines) {
    if (l.kind !== 'message' || typeof l.message.content === 'string') continue;
    for (const b of l.message.content as Block[]) if (b.type === 'tool_use' && b.id && b.name) names.set(b.id, b.name);
  }
  let attempt: number | undefined;
  return html`<div class="conversation" data-testid="transcript">
    ${lines.map((l) => {
      const head = l.attempt !== attempt ? html`<div class="attempt-sep">attempt ${l.attempt}</div>` : null;
      attempt = l.attempt;
      if (l.kind === 'system')
        return html`${head}<details class="turn system" data-testid="turn"><summary><span class="role">system</span> <span class="muted small">${fmtClock(l.t)} · tools: ${l.tools.join(', ') || '(none)'}</span></summary><pre class="text">${l.content}</pre></details>`;
      if (l.kind === 'note')
        return html`${head}<div class=${`turn note ${/^(failed|error)/i.test(l.text) ? 'bad' : ''}`} data-testid="turn"><span class="role">note</span> <span class="muted small">${fmtClock(l.t)}</span><pre class="text">${l.text}</pre></div>`;
      const m = l.message;
      const blocks: Block[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as Block[]);
      const isResults = blocks.length > 0 && blocks.every((b) => b.type === 'tool_result');
      return html`${head}<div class=${`turn ${m.role} ${isResults ? 'results' : ''}`} data-testid="turn">
        <div class="turn-head"><span class="role">${isResults ? 'tool results' : m.role}</span> <span class="muted small">${fmtClock(l.t)}${l.stop_reason ? ` · ${l.stop_reason}` : ''}${l.usage ? ` · ${fmtTokens(l.usage.input_tokens)} in / ${fmtTokens(l.usage.output_tokens)} out` : ''}</span></div>
        ${blocks.map((b) => html`<${BlockView} b=${b} names=${names} />`)}
      </div>`;
    })}
  </div>`;
}
