/** `describe_data`: parse a CSV or JSON table in the workspace and summarize each column. */
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { ToolError } from '../../errors.js';
import { looksBinary, readHead } from '../fileread.js';
import { resolveInRoot } from '../paths.js';
import { defineTool } from '../types.js';

/** Largest data file read, in bytes. */
export const MAX_DATA_BYTES = 20 * 1024 * 1024;
/** Top values shown for a text column. */
const TOP_VALUES = 5;

export type Row = Record<string, unknown>;

export interface NumericSummary {
  kind: 'numeric';
  min: number;
  max: number;
  mean: number;
  median: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  stddev: number;
}

export interface TextSummary {
  kind: 'text';
  distinct: number;
  top: Array<{ value: string; count: number }>;
}

export interface ColumnSummary {
  name: string;
  /** Rows in the table. */
  count: number;
  /** Rows where the value is missing: absent, null, or an empty string. */
  missing: number;
  stats: NumericSummary | TextSummary | { kind: 'empty' };
}

function isMissing(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/** Summarizes one column: numeric stats when every present value is a number, else top values. */
export function summarizeColumn(name: string, rows: Row[]): ColumnSummary {
  const present = rows.map((r) => r[name]).filter((v) => !isMissing(v));
  const base = { name, count: rows.length, missing: rows.length - present.length };
  if (present.length === 0) return { ...base, stats: { kind: 'empty' } };
  const nums = present.map(asNumber);
  if (nums.every((n): n is number => n !== undefined)) {
    const sorted = [...nums].sort((a, b) => a - b);
    const n = sorted.length;
    const mean = sorted.reduce((s, x) => s + x, 0) / n;
    const mid = Math.floor(n / 2);
    const median = n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
    return {
      ...base,
      stats: { kind: 'numeric', min: sorted[0]!, max: sorted[n - 1]!, mean: round(mean), median: round(median), stddev: round(Math.sqrt(variance)) },
    };
  }
  const counts = new Map<string, number>();
  for (const v of present) {
    const key = typeof v === 'string' ? v : JSON.stringify(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP_VALUES)
    .map(([value, count]) => ({ value: value.length > 80 ? `${value.slice(0, 80)}…` : value, count }));
  return { ...base, stats: { kind: 'text', distinct: counts.size, top } };
}

/** Parses CSV (header row) or JSON (an array of objects) into rows. */
export function parseTable(text: string, format: 'csv' | 'json', display: string): Row[] {
  if (format === 'csv') {
    try {
      return parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true, trim: true }) as Row[];
    } catch (err) {
      throw new ToolError(`cannot parse ${display} as CSV: ${(err as Error).message}`, { cause: err });
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ToolError(`cannot parse ${display} as JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(data) || !data.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
    throw new ToolError(`${display} must hold a JSON array of objects (one object per row)`);
  }
  return data as Row[];
}

function render(display: string, rows: Row[], columns: ColumnSummary[]): string {
  const lines = [`${display}: ${rows.length} rows, ${columns.length} columns`];
  for (const c of columns) {
    const head = `- ${c.name}: count ${c.count}, missing ${c.missing}`;
    const s = c.stats;
    if (s.kind === 'numeric') lines.push(`${head}, numeric: min ${s.min}, max ${s.max}, mean ${s.mean}, median ${s.median}, stddev ${s.stddev}`);
    else if (s.kind === 'text') lines.push(`${head}, text: ${s.distinct} distinct; top: ${s.top.map((t) => `${JSON.stringify(t.value)} (${t.count})`).join(', ')}`);
    else lines.push(`${head}, no values`);
  }
  return lines.join('\n');
}

export const describeData = defineTool({
  name: 'describe_data',
  description:
    'Summarize a CSV file (with a header row) or a JSON file (an array of objects) in the workspace: ' +
    'row count and, per column, count, missing values, and numeric statistics (min, max, mean, ' +
    'median, standard deviation) or the most frequent values for text columns.',
  input: z.object({
    path: z.string().min(1).describe('Data file relative to the workspace, e.g. "data/sales.csv"'),
    format: z.enum(['csv', 'json']).optional().describe('File format (default: from the file extension)'),
  }),
  async run(input, ctx) {
    const jailed = await resolveInRoot(ctx.workspaceDir, input.path, { rootName: 'workspace' });
    const { buf, size } = await readHead(jailed.abs, jailed.rel, MAX_DATA_BYTES);
    if (size > buf.length) throw new ToolError(`${jailed.rel} is too large to describe (${size} bytes; the limit is ${MAX_DATA_BYTES})`);
    if (looksBinary(buf)) throw new ToolError(`${jailed.rel} looks like a binary file; refused`);
    const text = buf.toString('utf8');
    const format = input.format ?? (/\.json$/i.test(jailed.rel) ? 'json' : /\.(csv|tsv|txt)$/i.test(jailed.rel) ? 'csv' : /^\s*[[{]/.test(text) ? 'json' : 'csv');
    const rows = parseTable(text, format, jailed.rel);
    const names: string[] = [];
    const seen = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), names.push(k));
    const columns = names.map((n) => summarizeColumn(n, rows));
    return { content: render(jailed.rel, rows, columns), untrusted: true, source: `describe_data: workspace/${jailed.rel}` };
  },
});
