/** The viewer page: a hash router over three views, fed by the API and the live stream. */
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { subscribe } from './api.js';
import { LiveContext, type LiveState } from './hooks.js';
import { AgentView } from './views/agent.js';
import { SessionView } from './views/session.js';
import { SessionsView } from './views/sessions.js';

type Route = { view: 'sessions'; status?: string } | { view: 'session'; id: string } | { view: 'agent'; id: string; agent: string };

/** `#/`, `#/?status=running`, `#/s/<id>`, `#/s/<id>/a/<agent>`. */
function parseRoute(hash: string): Route {
  const [p = '', q = ''] = hash.replace(/^#/, '').split('?');
  const parts = p.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 's' && parts[1] && parts[2] === 'a' && parts[3]) return { view: 'agent', id: parts[1], agent: parts[3] };
  if (parts[0] === 's' && parts[1]) return { view: 'session', id: parts[1] };
  const status = new URLSearchParams(q).get('status') ?? undefined;
  return { view: 'sessions', ...(status ? { status } : {}) };
}

function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const [live, setLive] = useState<LiveState>({ n: 0, connected: false });
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    const stop = subscribe(
      (batch) => setLive((s) => ({ n: s.n + 1, batch, connected: true })),
      (connected) => setLive((s) => ({ ...s, connected })),
    );
    return () => {
      removeEventListener('hashchange', onHash);
      stop();
    };
  }, []);

  const crumbs =
    route.view === 'sessions'
      ? []
      : route.view === 'session'
        ? [html`<span class="crumb" data-testid="crumb-session">${route.id}</span>`]
        : [html`<a class="crumb" href=${`#/s/${route.id}`}>${route.id}</a>`, html`<span class="crumb" data-testid="crumb-agent">${route.agent}</span>`];

  return html`
    <${LiveContext.Provider} value=${live}>
      <header class="top">
        <a class="brand" href="#/"><span class="logo" aria-hidden="true">✉</span> mailroom</a>
        <nav class="crumbs"><a class="crumb" href="#/">sessions</a>${crumbs}</nav>
        <span class=${`live ${live.connected ? 'on' : 'off'}`} data-testid="live" title=${live.connected ? 'live: the page follows the files' : 'not connected; retrying'}>
          ${live.connected ? 'live' : 'offline'}
        </span>
      </header>
      <main>
        ${route.view === 'sessions'
          ? html`<${SessionsView} status=${route.status} />`
          : route.view === 'session'
            ? html`<${SessionView} id=${route.id} />`
            : html`<${AgentView} id=${route.id} agent=${route.agent} />`}
      </main>
    <//>
  `;
}

render(html`<${App} />`, document.getElementById('app')!);
