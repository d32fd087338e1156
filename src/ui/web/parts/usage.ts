/** Usage per agent: tokens (input, output, cache) and cost, as a table and a small bar chart. */
import { html } from 'htm/preact';
import type { SessionPayload } from '../api.js';
import { fmtCost, fmtTokens } from '../format.js';

export function UsagePanel({ usage }: { usage: SessionPayload['usage'] }) {
  if (!usage) return html`<div class="empty">No usage recorded yet.</div>`;
  const rows = Object.entries(usage.agents ?? {}).sort(([a], [b]) => (a === 'coordinator' ? -1 : b === 'coordinator' ? 1 : a < b ? -1 : 1));
  const max = Math.max(1, ...rows.map(([, a]) => a.usage.input_tokens + a.usage.output_tokens + (a.usage.cache_read_input_tokens ?? 0) + (a.usage.cache_creation_input_tokens ?? 0)));
  const priced = rows.some(([, a]) => a.costUsd !== undefined);
  return html`
    <div class="usage">
      <table class="grid compact" data-testid="usage-table">
        <thead><tr><th>Agent</th><th class="num">Calls</th><th class="num">Input</th><th class="num">Output</th><th class="num">Cache read</th><th class="num">Cache write</th><th class="num">Cost</th></tr></thead>
        <tbody>
          ${rows.map(
            ([id, a]) => html`<tr data-agent=${id}>
              <td class="mono">${id}</td><td class="num">${a.calls}</td><td class="num">${fmtTokens(a.usage.input_tokens)}</td><td class="num">${fmtTokens(a.usage.output_tokens)}</td>
              <td class="num">${fmtTokens(a.usage.cache_read_input_tokens ?? 0)}</td><td class="num">${fmtTokens(a.usage.cache_creation_input_tokens ?? 0)}</td><td class="num">${fmtCost(a.costUsd)}</td>
            </tr>`,
          )}
        </tbody>
        <tfoot><tr><td>total</td><td class="num">${usage.total.calls}</td><td class="num">${fmtTokens(usage.total.input_tokens)}</td><td class="num">${fmtTokens(usage.total.output_tokens)}</td>
          <td class="num">${fmtTokens(usage.total.cache_read_input_tokens ?? 0)}</td><td class="num">${fmtTokens(usage.total.cache_creation_input_tokens ?? 0)}</td>
          <td class="num">${priced ? fmtCost(usage.costUsd, usage.costIncomplete) : '-'}</td></tr></tfoot>
      </table>
      <div class="chart" data-testid="usage-chart" aria-label="tokens per agent">
        ${rows.map(([id, a]) => {
          const parts: Array<[string, number]> = [
            ['in', a.usage.input_tokens],
            ['out', a.usage.output_tokens],
            ['cache', (a.usage.cache_read_input_tokens ?? 0) + (a.usage.cache_creation_input_tokens ?? 0)],
          ];
          return html`<div class="chart-row"><span class="mono chart-label">${id}</span><span class="chart-bar">
            ${parts.map(([k, v]) => (v > 0 ? html`<span class=${`seg seg-${k}`} style=${{ width: `${(v / max) * 100}%` }} title=${`${k}: ${fmtTokens(v)}`}></span>` : null))}
          </span></div>`;
        })}
        <div class="chart-legend"><span class="seg-key seg-in"></span>input <span class="seg-key seg-out"></span>output <span class="seg-key seg-cache"></span>cache</div>
      </div>
      ${priced ? null : html`<div class="muted small">No price is known for these models (offline and scripted models are free), so cost shows as -.</div>`}
    </div>
  `;
}
