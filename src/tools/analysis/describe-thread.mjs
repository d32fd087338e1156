// @ts-check
/**
 * The body of one describe_data call, in a worker thread (see ../thread.ts and
 * describe-data.ts). Plain JavaScript on purpose: a thread loads it with no TypeScript loader.
 *
 * One pass over the rows, linear in the number of cells: each cell updates its column's
 * running summary. CSV records are consumed as they are parsed (`on_record` keeps none),
 * so a wide file never becomes millions of row objects. Capped: at most MAX_CELLS cells
 * are read, MAX_COLUMNS columns summarized and MAX_DISTINCT distinct values counted per column.
 *
 * workerData: { text: string, format: 'csv' | 'json', display: string }
 * Posts one message: { type: 'done', value } where value is
 * { ok: true, content } | { ok: false, message, quotesFile: boolean }.
 */
import { parentPort, workerData } from 'node:worker_threads';

/** Columns summarized at most; the rest are counted and named in a note. */
export const MAX_COLUMNS = 200;
/** Distinct values counted per column at most. */
export const MAX_DISTINCT = 10_000;
/** Cells read at most (CSV parsing runs at about a million cells a second); the rest of the file is left out. */
export const MAX_CELLS = 1_000_000;
/** Top values shown for a text column. */
const TOP_VALUES = 5;

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** @param {unknown} v */
function isMissing(v) {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** @param {unknown} v */
function asNumber(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** @param {number} n */
const round = (n) => Math.round(n * 1e6) / 1e6;

/** @typedef {{ name: string, present: number, nums: number[] | undefined, counts: Map<string, number>, distinctCapped: boolean }} Column */

class Summary {
  constructor() {
    this.rows = 0;
    this.cells = 0;
    /** True when MAX_CELLS stopped the reading: `rows` counts the rows read. */
    this.cut = false;
    /** @type {Map<string, Column>} */
    this.columns = new Map();
    /** Columns seen beyond MAX_COLUMNS. */
    this.extraColumns = new Set();
  }

  /** @param {string} name */
  column(name) {
    let col = this.columns.get(name);
    if (col) return col;
    if (this.columns.size >= MAX_COLUMNS) {
      if (this.extraColumns.size < 1_000_000) this.extraColumns.add(name);
      return undefined;
    }
    col = { name, present: 0, nums: [], counts: new Map(), distinctCapped: false };
    this.columns.set(name, col);
    return col;
  }

  /** @param {string} name @param {unknown} v */
  cell(name, v) {
    this.cells++;
    const col = this.column(name);
    if (!col || isMissing(v)) return;
    col.present++;
    if (col.nums) {
      const n = asNumber(v);
      if (n === undefined) col.nums = undefined;
      else col.nums.push(n);
    }
    const key = typeof v === 'string' ? v : JSON.stringify(v);
    const seen = col.counts.get(key);
    if (seen !== undefined) col.counts.set(key, seen + 1);
    else if (col.counts.size < MAX_DISTINCT) col.counts.set(key, 1);
    else col.distinctCapped = true;
  }

  /** @param {string} display */
  render(display) {
    const total = this.columns.size + this.extraColumns.size;
    const lines = [`${display}: ${this.rows} rows, ${total} columns`];
    if (this.cut) lines.push(`[only the first ${this.rows} rows were read: the limit is ${MAX_CELLS} cells]`);
    if (this.extraColumns.size > 0) {
      lines.push(`[the first ${MAX_COLUMNS} columns are summarized; ${this.extraColumns.size} more are not]`);
    }
    for (const col of this.columns.values()) {
      const head = `- ${col.name}: count ${this.rows}, missing ${this.rows - col.present}`;
      if (col.present === 0) lines.push(`${head}, no values`);
      else if (col.nums) lines.push(`${head}, numeric: ${numeric(col.nums)}`);
      else {
        const top = [...col.counts.entries()]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, TOP_VALUES)
          .map(([value, count]) => `${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} (${count})`);
        const distinct = col.distinctCapped ? `more than ${MAX_DISTINCT}` : `${col.counts.size}`;
        lines.push(`${head}, text: ${distinct} distinct; top: ${top.join(', ')}${col.distinctCapped ? ' (among the values counted)' : ''}`);
      }
    }
    return lines.join('\n');
  }
}

/** @param {number[]} nums */
function numeric(nums) {
  const sorted = Float64Array.from(nums).sort();
  const n = sorted.length;
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / n;
  let sq = 0;
  for (const x of sorted) sq += (x - mean) ** 2;
  const mid = Math.floor(n / 2);
  const median = n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const stddev = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
  return `min ${sorted[0]}, max ${sorted[n - 1]}, mean ${round(mean)}, median ${round(median)}, stddev ${round(stddev)}`;
}

/** Thrown from the CSV record callback to stop the parse at the cell cap. */
const STOP = Symbol('stop');

/** @param {string} text @param {Summary} summary */
async function describeCsv(text, summary) {
  const { parse } = await import('csv-parse/sync');
  try {
    parseAll(parse, text, summary);
  } catch (err) {
    if (err !== STOP) throw err;
    summary.cut = true;
  }
}

/** @param {typeof import('csv-parse/sync').parse} parse @param {string} text @param {Summary} summary */
function parseAll(parse, text, summary) {
  /** @type {string[] | undefined} */
  let header;
  parse(text, {
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
    trim: true,
    on_record: (/** @type {string[]} */ record) => {
      if (!header) {
        header = record.map((h, i) => h || `column ${i + 1}`);
        return null;
      }
      if (summary.cells + header.length > MAX_CELLS) throw STOP;
      summary.rows++;
      for (let i = 0; i < header.length; i++) summary.cell(/** @type {string} */ (header[i]), record[i]);
      return null;
    },
  });
}

/** @param {string} text @param {string} display @param {Summary} summary */
function describeJson(text, display, summary) {
  const data = JSON.parse(text);
  if (!Array.isArray(data) || !data.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
    return `${display} must hold a JSON array of objects (one object per row)`;
  }
  // Every column a row lacks counts as missing, so a column is only touched by rows that have it.
  for (const row of data) {
    const keys = Object.keys(row);
    if (summary.cells + keys.length > MAX_CELLS) {
      summary.cut = true;
      break;
    }
    summary.rows++;
    for (const key of keys) summary.cell(key, row[key]);
  }
  return undefined;
}

async function main() {
  const { text, format, display } = workerData;
  const summary = new Summary();
  try {
    if (format === 'csv') await describeCsv(text, summary);
    else {
      const shape = describeJson(text, display, summary);
      if (shape) return { ok: false, message: shape, quotesFile: false };
    }
  } catch (err) {
    // Parser messages quote the file: the host marks them untrusted.
    const kind = format === 'csv' ? 'CSV' : 'JSON';
    return { ok: false, message: `cannot parse ${display} as ${kind}: ${/** @type {Error} */ (err).message}`, quotesFile: true };
  }
  return { ok: true, content: summary.render(display) };
}

main().then((value) => parentPort?.postMessage({ type: 'done', value }));
