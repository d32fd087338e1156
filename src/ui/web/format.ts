/** Small display helpers shared by the views. */

export function fmtTokens(n: number | undefined): string {
  return n === undefined ? '-' : n.toLocaleString('en-US');
}

export function fmtCost(usd: number | undefined, incomplete = false): string {
  if (usd === undefined) return '-';
  return `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}${incomplete ? '+' : ''}`;
}

export function fmtAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

export function fmtClock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** The CSS class for a status, so every status has one colour everywhere. */
export function statusClass(status: string | undefined): string {
  const s = (status ?? 'unknown').replace(/[^a-z_]/g, '');
  return `st st-${s || 'unknown'}`;
}
