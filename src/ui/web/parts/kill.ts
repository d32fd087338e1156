/**
 * The kill button: confirmed in the page, then POSTed to the actions endpoint, which runs
 * the same library function as `mailroom kill`. Approvals and answers will sit beside it.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';

interface KillResult {
  outcome: { via: string; stopped: Array<{ agent: string; pid: number; step: string }>; alive: string[] };
}

/**
 * Stays mounted when what it stops is no longer running (it is disabled instead), so the
 * outcome stays on the page after the live update that follows the stop.
 */
export function KillButton({ session, agent, label, enabled = true }: { session: string; agent?: string; label: string; enabled?: boolean }) {
  const [state, setState] = useState<{ busy?: boolean; message?: string; error?: string }>({});
  const onClick = async () => {
    const what = agent ? `worker ${agent}` : `the whole session ${session}`;
    if (!confirm(`Stop ${what}? It gets a shutdown message, then SIGTERM, then SIGKILL.`)) return;
    setState({ busy: true });
    try {
      const r = await api.action<KillResult>(session, { action: 'kill', ...(agent ? { agent } : {}) });
      const o = r.outcome;
      setState({
        message: o.alive.length ? `still alive: ${o.alive.join(', ')}` : o.stopped.length ? `stopped ${o.stopped.map((s) => s.agent).join(', ')} (via ${o.via})` : `nothing was running (via ${o.via})`,
      });
    } catch (err) {
      setState({ error: (err as Error).message });
    }
  };
  return html`<span class="action">
    <button class="danger" data-testid=${agent ? `kill-${agent}` : 'kill-session'} disabled=${state.busy || !enabled} title=${enabled ? '' : 'not running'} onClick=${onClick}>${state.busy ? 'stopping…' : label}</button>
    ${state.message ? html`<span class="action-note" data-testid="kill-result">${state.message}</span>` : null}
    ${state.error ? html`<span class="action-note error-text" data-testid="kill-error">${state.error}</span>` : null}
  </span>`;
}
