/** Talking to the viewer's server: the token on every request, and the live change stream. */
import type { AgentPayload, RequestView, SessionPayload } from '../data.js';
import type { SessionSummary } from '../../inspect/sessions.js';
import type { ChangeBatch } from '../live.js';

export type { AgentPayload, RequestView, SessionPayload, SessionSummary, ChangeBatch };

const token = document.querySelector<HTMLMetaElement>('meta[name="mailroom-token"]')?.content ?? '';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, headers: { ...(init.headers ?? {}), 'x-mailroom-token': token } });
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`);
  return body;
}

export const api = {
  sessions: () => call<{ root: string; sessions: SessionSummary[] }>('/api/sessions'),
  session: (id: string) => call<SessionPayload>(`/api/sessions/${encodeURIComponent(id)}`),
  agent: (id: string, agent: string) => call<AgentPayload>(`/api/sessions/${encodeURIComponent(id)}/agents/${encodeURIComponent(agent)}`),
  /** One action on a session (kill, approve, deny, answer), through the server's library calls. */
  action: <T = unknown>(id: string, body: Record<string, unknown>) =>
    call<T>(`/api/sessions/${encodeURIComponent(id)}/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
};

/** Subscribes to file changes; EventSource reconnects by itself after a drop. */
export function subscribe(onChange: (batch: ChangeBatch) => void, onState: (live: boolean) => void): () => void {
  const es = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  es.addEventListener('hello', () => onState(true));
  es.addEventListener('change', (e) => onChange(JSON.parse((e as MessageEvent<string>).data) as ChangeBatch));
  es.onerror = () => onState(false);
  return () => es.close();
}
