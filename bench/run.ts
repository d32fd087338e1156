/**
 * `npm run bench`: runs the suite and writes bench/results/latest.md and latest.json.
 *   BENCH_SCALE=smoke|full   sizes (default full)
 *   BENCH_ONLY=latency,burst run only these benches
 *   BENCH_OUT=<dir>          where to write (default bench/results)
 * `npm run bench -- offline` runs the search relevance bench instead (bench/relevance/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAllSync } from './lib/cleanup.js';
import { parseScale } from './lib/config.js';
import { renderMarkdown } from './lib/report.js';
import { runSuite } from './suite.js';

if (process.argv[2] === 'offline') {
  const { runRelevanceBench, renderRelevance, writeRelevance } = await import('./relevance/run.js');
  const relevance = await runRelevanceBench();
  writeRelevance(relevance, path.resolve(process.env.BENCH_OUT ?? fileURLToPath(new URL('./results', import.meta.url))));
  process.stdout.write(renderRelevance(relevance));
  process.exit(relevance.goal.met ? 0 : 1);
}

const scale = parseScale(process.env.BENCH_SCALE);
const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const outDir = path.resolve(process.env.BENCH_OUT ?? fileURLToPath(new URL('./results', import.meta.url)));

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}; cleaning up\n`);
    cleanupAllSync();
    process.exit(130);
  });
}
process.on('exit', () => cleanupAllSync());

const report = await runSuite({ scale, only, log: (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`) });
fs.mkdirSync(outDir, { recursive: true });
const md = renderMarkdown(report);
// Written via a temp file and renamed, so a reader of the results never sees half a file.
for (const [name, text] of [['latest.json', JSON.stringify(report, null, 2) + '\n'], ['latest.md', md]] as const) {
  const tmp = path.join(outDir, `${name}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(outDir, name));
}
process.stdout.write(md);
process.stderr.write(`bench: wrote ${path.join(outDir, 'latest.md')} and latest.json in ${(report.durationMs / 1000).toFixed(0)} s\n`);
process.exitCode = report.benches.every((b) => b.ok) ? 0 : 1;
