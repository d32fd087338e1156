/**
 * The relevance bench (`npm run bench -- offline`, or `npm run bench:relevance`): runs the
 * labeled queries through today's search_files and through the scorer it replaced, in the
 * same run, and writes bench/results/relevance.md and relevance.json.
 *   BENCH_OUT=<dir>   where to write (default bench/results)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { searchFiles } from '../../src/tools/research/search.js';
import type { Tool } from '../../src/tools/types.js';
import { baselineSearchFiles } from './baseline-search.js';
import { measure, type RunScore } from './measure.js';
import { QUERIES } from './queries.js';

/** The goal the issue set for precision@5. */
export const PRECISION_GOAL = 0.8;

export interface RelevanceReport {
  version: 1;
  startedAt: string;
  queries: number;
  goal: { precisionAt5: number; met: boolean };
  before: RunScore;
  after: RunScore;
}

/** Runs both scorers over the labeled queries. */
export async function runRelevanceBench(): Promise<RelevanceReport> {
  const startedAt = new Date().toISOString();
  const before = await measure(baselineSearchFiles as unknown as Tool);
  const after = await measure(searchFiles as unknown as Tool);
  return { version: 1, startedAt, queries: QUERIES.length, goal: { precisionAt5: PRECISION_GOAL, met: after.precisionAt5 >= PRECISION_GOAL }, before, after };
}

const f2 = (x: number): string => x.toFixed(2);

/** The report as Markdown: the summary, then every query before and after. */
export function renderRelevance(r: RelevanceReport): string {
  const lines = [
    '# search_files relevance',
    '',
    `Run ${r.startedAt} over \`bench/fixtures/relevance\` (${r.queries} hand-labeled queries in \`bench/relevance/queries.ts\`), with \`npm run bench -- offline\`.`,
    '"Before" is the scorer search_files had before issue 19 (prefix matching, no stemming, tests and lockfiles indexed), kept in `bench/relevance/baseline-search.ts` and run in the same process.',
    '',
    '- **precision@5**: of the first five lines search_files shows (best file first), the share inside a hand-marked relevant range; a shorter list is scored on what it shows.',
    '- **recall@10**: of the files marked relevant, the share among the first ten files.',
    '- **MRR**: 1 / rank of the first relevant file.',
    '',
    '| | precision@5 | recall@10 | MRR |',
    '|---|---|---|---|',
    `| before | ${f2(r.before.precisionAt5)} | ${f2(r.before.recallAt10)} | ${f2(r.before.mrr)} |`,
    `| after | ${f2(r.after.precisionAt5)} | ${f2(r.after.recallAt10)} | ${f2(r.after.mrr)} |`,
    '',
    `Goal: precision@5 >= ${r.goal.precisionAt5}: ${r.goal.met ? 'met' : 'not met'}.`,
    '',
    '| Query | P@5 before | P@5 after | R@10 before | R@10 after | Top 3 files after |',
    '|---|---|---|---|---|---|',
  ];
  r.after.perQuery.forEach((a, i) => {
    const b = r.before.perQuery[i]!;
    lines.push(`| ${a.query} | ${f2(b.precisionAt5)} | ${f2(a.precisionAt5)} | ${f2(b.recallAt10)} | ${f2(a.recallAt10)} | ${a.top.slice(0, 3).map((p) => `\`${p}\``).join(', ')} |`);
  });
  return `${lines.join('\n')}\n`;
}

/** Writes the report files via temp files and renames. */
export function writeRelevance(r: RelevanceReport, outDir: string): void {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, text] of [['relevance.json', JSON.stringify(r, null, 2) + '\n'], ['relevance.md', renderRelevance(r)]] as const) {
    const tmp = path.join(outDir, `${name}.tmp`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(outDir, name));
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const report = await runRelevanceBench();
  writeRelevance(report, path.resolve(process.env.BENCH_OUT ?? fileURLToPath(new URL('../results', import.meta.url))));
  process.stdout.write(renderRelevance(report));
}
