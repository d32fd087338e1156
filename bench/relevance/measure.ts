/**
 * The relevance bench's measurement: runs a `search_files` tool (the real one, through
 * runTool, or the pre-issue-19 baseline) on each labeled query over the fixture tree, reads
 * the ranked files and cited lines from the text the model would see, and scores them.
 *
 * - precision@5: of the first five `path` + line results search_files shows (in the order
 *   shown: best file first, its lines, then the next file's), the share that fall inside a
 *   hand-marked relevant range. A list of fewer than five lines is scored on the lines it
 *   shows (an empty one scores 0); recall@10 is what measures what a search leaves out.
 * - recall@10: of the files marked relevant, the share among the first ten files shown.
 * - MRR: 1 / the rank of the first relevant file (0 when none is shown).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log.js';
import { runTool } from '../../src/tools/run.js';
import type { Tool, ToolContext } from '../../src/tools/types.js';
import { QUERIES, type LabeledQuery, type LineRanges } from './queries.js';

/** The fixture tree the queries are labeled over. */
export const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures/relevance', import.meta.url));

export interface ParsedSearch {
  /** Files in rank order. */
  files: string[];
  /** Cited lines in the order shown. */
  lines: Array<{ path: string; line: number }>;
}

/**
 * Reads a search_files result: `N. path  (score S)` headings, each followed by `   L: text`
 * lines. Tolerant of a wrapper around the text (whatever surrounds the list is skipped).
 */
export function parseSearchOutput(text: string): ParsedSearch {
  const files: string[] = [];
  const lines: ParsedSearch['lines'] = [];
  let current: string | undefined;
  for (const raw of text.split('\n')) {
    const head = /^\s*\d+\.\s+(\S+)\s+\(score [\d.]+\)\s*$/.exec(raw);
    if (head) {
      current = head[1]!;
      files.push(current);
      continue;
    }
    const hit = /^\s+(\d+): /.exec(raw);
    if (hit && current) lines.push({ path: current, line: Number(hit[1]) });
    else if (raw.trim() !== '' && !/^\s/.test(raw)) current = undefined;
  }
  return { files, lines };
}

function inRanges(ranges: LineRanges | undefined, line: number): boolean {
  if (ranges === undefined) return false;
  if (ranges === true) return true;
  return ranges.some(([a, b]) => line >= a && line <= b);
}

export interface QueryScore {
  query: string;
  precisionAt5: number;
  recallAt10: number;
  mrr: number;
  /** The first five files shown, for the report. */
  top: string[];
}

/** Scores one parsed result against its labels. */
export function scoreQuery(q: LabeledQuery, parsed: ParsedSearch): QueryScore {
  const first5 = parsed.lines.slice(0, 5);
  const precisionAt5 = first5.length === 0 ? 0 : first5.filter((l) => inRanges(q.relevant[l.path], l.line)).length / first5.length;
  const relevantFiles = Object.keys(q.relevant);
  const top10 = new Set(parsed.files.slice(0, 10));
  const recallAt10 = relevantFiles.filter((f) => top10.has(f)).length / relevantFiles.length;
  const firstRelevant = parsed.files.findIndex((f) => f in q.relevant);
  return { query: q.query, precisionAt5, recallAt10, mrr: firstRelevant < 0 ? 0 : 1 / (firstRelevant + 1), top: parsed.files.slice(0, 5) };
}

export interface RunScore {
  perQuery: QueryScore[];
  precisionAt5: number;
  recallAt10: number;
  mrr: number;
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Runs every labeled query through `tool` (a search_files implementation) and scores it. */
export async function measure(tool: Tool, queries: LabeledQuery[] = QUERIES, root = FIXTURE_ROOT): Promise<RunScore> {
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'mailroom-bench-relevance-'));
  try {
    const ctx: ToolContext = {
      sessionDir: workspace,
      workspaceDir: workspace,
      agentId: 'w01-research',
      role: 'research',
      settings: { sourceRoot: root, fetchAllowHosts: [], maxOutputChars: 20_000 },
      logger: silentLogger(),
      signal: new AbortController().signal,
    };
    const perQuery: QueryScore[] = [];
    for (const q of queries) {
      const r = await runTool([tool], tool.name, { query: q.query, limit: 10 }, ctx);
      if (r.isError) throw new Error(`search_files failed on "${q.query}": ${r.content}`);
      perQuery.push(scoreQuery(q, parseSearchOutput(r.content)));
    }
    return {
      perQuery,
      precisionAt5: mean(perQuery.map((s) => s.precisionAt5)),
      recallAt10: mean(perQuery.map((s) => s.recallAt10)),
      mrr: mean(perQuery.map((s) => s.mrr)),
    };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
