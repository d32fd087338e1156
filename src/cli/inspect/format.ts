/**
 * Text helpers shared by the inspection commands and the live view: numbers, ages,
 * durations, costs, aligned tables, and making untrusted text safe and short enough for
 * one terminal line.
 */

/**
 * Removes terminal control characters (ESC, other C0/C1 controls, DEL) but keeps newlines
 * and tabs. Transcripts and mailboxes hold text from fetched pages and user files; printed
 * raw, an escape sequence in them could rewrite the operator's screen.
 */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

/** One line: sanitized, whitespace (newlines included) collapsed to single spaces. */
export function oneLine(text: string): string {
  return sanitize(text).replace(/\s+/g, ' ').trim();
}

/** At most `max` characters (code points), ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...text];
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Display width in columns, counting code points (good enough for the ASCII we draw). */
export function width(text: string): number {
  return [...text].length;
}

/** `7,597`. */
export function formatTokens(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

/** `$0.0123`, `$4.57`, or `-` when unknown. */
export function formatCost(usd: number | undefined, incomplete = false): string {
  if (usd === undefined || !Number.isFinite(usd)) return '-';
  const s = usd >= 1 ? usd.toFixed(2) : usd === 0 ? '0' : usd.toPrecision(3).replace(/0+$/, '').replace(/\.$/, '');
  return `$${s}${incomplete ? '+' : ''}`;
}

/** A compact age: `45s`, `12m`, `3h`, `5d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** A duration: `0.8s`, `12.3s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  const v = Math.max(0, ms);
  if (v < 60_000) return `${(v / 1000).toFixed(1)}s`;
  const s = Math.floor(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `14:43:46` in local time, or the full date when not today. */
export function formatClock(t: number, now = Date.now()): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}`;
}

export type Align = 'left' | 'right';

/**
 * Aligns rows into columns separated by two spaces. The last column is not padded, so
 * a long free-text column (a task, a description) does not push trailing blanks.
 */
export function table(rows: string[][], align: Align[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = (widths[i] ?? 0) - width(cell);
        if (align[i] === 'right') return ' '.repeat(pad) + cell;
        return i === row.length - 1 ? cell : cell + ' '.repeat(pad);
      })
      .join('  ')
      .trimEnd(),
  );
}

/** Any value as one short line: strings as they are, everything else as JSON. */
export function abbreviate(value: unknown, max: number): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return truncate(oneLine(s), max);
}

/** Text cut to at most `maxLines` lines of at most `maxWidth` characters, each prefixed. */
export function block(text: string, prefix: string, maxLines: number, maxWidth = 160): string[] {
  const lines = sanitize(text).replace(/\s+$/, '').split('\n');
  const shown = lines.slice(0, maxLines).map((l) => prefix + truncate(l.replace(/\t/g, '  '), maxWidth));
  if (lines.length > maxLines) shown.push(`${prefix}… (${lines.length - maxLines} more line(s))`);
  return shown;
}

/** `1 call`, `3 calls`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
