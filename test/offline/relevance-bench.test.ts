/**
 * The relevance bench runs end to end (the same code as `npm run bench -- offline`), its
 * labels are sound (every labeled file and line exists), and search_files meets the goal
 * the issue set: precision@5 >= 0.8 over the labeled queries, no worse than before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_ROOT, parseSearchOutput, scoreQuery } from '../../bench/relevance/measure.js';
import { QUERIES } from '../../bench/relevance/queries.js';
import { PRECISION_GOAL, renderRelevance, runRelevanceBench } from '../../bench/relevance/run.js';

describe('relevance bench', () => {
  it('has at least 12 queries whose labels point at real files and lines', () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(12);
    for (const q of QUERIES) {
      expect(Object.keys(q.relevant).length, q.query).toBeGreaterThan(0);
      for (const [rel, ranges] of Object.entries(q.relevant)) {
        const abs = path.join(FIXTURE_ROOT, rel);
        expect(fs.existsSync(abs), `${q.query}: ${rel}`).toBe(true);
        const n = fs.readFileSync(abs, 'utf8').split('\n').length;
        if (ranges !== true) for (const [a, b] of ranges) expect(a >= 1 && a <= b && b <= n, `${rel} ${a}-${b}`).toBe(true);
      }
    }
  });

  it('scores a result list the way its definition says', () => {
    const q = { query: 'x', relevant: { 'a.ts': [[1, 3]] as Array<[number, number]>, 'b.md': true as const } };
    const parsed = parseSearchOutput(['2 file(s) match', '1. a.ts  (score 100)', '   2: yes', '   9: no', '2. c.ts  (score 50)', '   1: no', '3. b.md  (score 10)', '   4: yes'].join('\n'));
    expect(parsed.files).toEqual(['a.ts', 'c.ts', 'b.md']);
    const s = scoreQuery(q, parsed);
    expect(s.precisionAt5).toBe(0.5);
    expect(s.recallAt10).toBe(1);
    expect(s.mrr).toBe(1);
  });

  it('meets precision@5 >= 0.8, measured beside the scorer it replaced', async () => {
    const r = await runRelevanceBench();
    expect(r.after.perQuery).toHaveLength(QUERIES.length);
    expect(r.after.precisionAt5).toBeGreaterThanOrEqual(PRECISION_GOAL);
    expect(r.after.precisionAt5).toBeGreaterThanOrEqual(r.before.precisionAt5);
    expect(r.after.recallAt10).toBeGreaterThanOrEqual(r.before.recallAt10);
    expect(renderRelevance(r)).toMatch(/^\| after \| 0\.\d\d \| /m);
  });
});
