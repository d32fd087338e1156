/** The shape of a bench run's results, and how latest.md renders them. */
import os from 'node:os';
import fs from 'node:fs';
import type { Scale } from './config.js';
import type { Settled } from './settle.js';
import { round } from './stats.js';

export type Cell = number | string | null;

export interface Column {
  key: string;
  label: string;
}

export interface Row {
  label: string;
  /** mailroom's own figure, an anchor it is compared with, or a diagnostic that explains a gap. */
  kind: 'mailroom' | 'anchor' | 'diagnostic';
  values: Record<string, Cell>;
}

export interface Target {
  figure: string;
  target: string;
  measured: string;
  met: boolean;
  /** For a ratio goal: the two figures the ratio is made of, from the same run. */
  beside?: string;
}

/** One line of the headline table: mailroom's figure beside its anchors from the same run. */
export interface Headline {
  figure: string;
  mailroom: string;
  anchors: string;
  target?: string;
  met?: boolean;
}

export interface BenchBody {
  headline?: Headline[];
  columns: Column[];
  rows: Row[];
  targets: Target[];
  notes: string[];
  /** Raw extras for latest.json (per-run numbers, counters). */
  details?: Record<string, unknown>;
}

export interface BenchResult extends BenchBody {
  /** 1-minute load average when the bench started and ended: how busy the machine was. */
  loadavg: [number, number];
  /** The file-system probe before the bench, and how long the suite waited for it to settle (settle.ts). */
  settle?: Settled;
  id: string;
  title: string;
  ok: boolean;
  error?: string;
  durationMs: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memMb: number;
  node: string;
  platform: string;
  kernel: string;
  loadavgStart: number[];
  loadavgEnd?: number[];
  inotifyMaxUserWatches?: number;
}

export interface SuiteReport {
  version: 1;
  scale: Scale;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  machine: MachineInfo;
  clock: string;
  benches: BenchResult[];
}

export function machineInfo(): MachineInfo {
  let watches: number | undefined;
  try {
    watches = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim());
  } catch {
    watches = undefined;
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    loadavgStart: os.loadavg().map((v) => round(v, 2)),
    ...(watches !== undefined ? { inotifyMaxUserWatches: watches } : {}),
  };
}

function cell(v: Cell): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isFinite(v) ? String(round(v)) : '–';
  return v.replace(/\|/g, '\\|');
}

/** A number for prose and the headline: 3 significant digits, thousands grouped. */
export function fmt(v: number, unit = ''): string {
  if (!Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return `${v.toLocaleString('en', { minimumFractionDigits: 0, maximumFractionDigits: digits })}${unit}`;
}

/** mailroom's rows in bold; anchors and diagnostics say what they are. */
function rowLabel(r: Row): string {
  const label = cell(r.label);
  return r.kind === 'mailroom' ? `**${label}**` : `${label} _(${r.kind})_`;
}

export function renderMarkdown(report: SuiteReport): string {
  const m = report.machine;
  const out: string[] = [];
  out.push('# mailroom benchmarks', '');
  out.push(
    `Run ${report.startedAt} · scale \`${report.scale}\` · ${(report.durationMs / 1000).toFixed(0)} s · ${m.cpus} × ${m.cpuModel}, ${m.memMb} MB · Node ${m.node} · ${m.platform} ${m.kernel} · load average at start ${m.loadavgStart.join(' / ')}${m.loadavgEnd ? `, at end ${m.loadavgEnd.join(' / ')}` : ''}`,
    '',
    `Clock: ${report.clock}.`,
    '',
    'Every figure sits next to its anchors, measured in the same run. Latencies are in ms from the send call to the handler in another process.',
    '',
  );
  const headline = report.benches.flatMap((b) => b.headline ?? []);
  if (headline.length > 0) {
    out.push('## Headline', '', '| Figure | mailroom | Anchors (same run) | Target | Met |', '|---|---|---|---|---|');
    for (const h of headline) out.push(`| ${cell(h.figure)} | ${cell(h.mailroom)} | ${cell(h.anchors)} | ${cell(h.target ?? '')} | ${h.met === undefined ? '' : h.met ? '✅' : '❌'} |`);
    out.push('');
  }
  const targets = report.benches.flatMap((b) => b.targets.map((t) => ({ ...t, bench: b.title })));
  if (targets.length > 0) {
    out.push('## Targets', '', '| Figure | Target | Measured | Beside its floor (same run) | Met |', '|---|---|---|---|---|');
    for (const t of targets) out.push(`| ${cell(t.figure)} | ${cell(t.target)} | ${cell(t.measured)} | ${cell(t.beside ?? '')} | ${t.met ? '✅ met' : '❌ not met'} |`);
    out.push('');
  }
  for (const b of report.benches) {
    out.push(`## ${b.title}`, '');
    if (!b.ok) out.push(`**This bench failed:** ${b.error ?? 'unknown error'}`, '');
    if (b.rows.length > 0) {
      out.push(`| | ${b.columns.map((c) => c.label).join(' | ')} |`);
      out.push(`|---|${b.columns.map(() => '---:').join('|')}|`);
      for (const r of b.rows) out.push(`| ${rowLabel(r)} | ${b.columns.map((c) => cell(r.values[c.key] ?? null)).join(' | ')} |`);
      out.push('');
    }
    for (const n of b.notes) out.push(`- ${n}`);
    if (b.notes.length > 0) out.push('');
    out.push(`<sub>${b.id}: ${(b.durationMs / 1000).toFixed(1)} s · 1-min load average ${b.loadavg[0]} → ${b.loadavg[1]} on ${m.cpus} cores${b.settle ? ` · ${settleText(b.settle)}` : ''}</sub>`, '');
  }
  return out.join('\n');
}

/** The settle step in one phrase: the probe against the suite's start, and any wait. */
function settleText(s: Settled): string {
  const probe = `file-system probe ${s.probeUs} µs/step (${s.baselineUs} at the suite's start)`;
  if (s.waitedMs < 1000) return probe;
  return `${probe} after waiting ${(s.waitedMs / 1000).toFixed(0)} s for it to settle${s.settled ? '' : ' (it had not yet)'}`;
}
