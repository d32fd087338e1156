/**
 * The search_files scorer as it was before issue 19 (a verbatim copy of
 * src/tools/research/search.ts at commit 1b1ddc2, imports adjusted), kept only so that the
 * relevance bench can report the old figures beside the new ones in the same run. Not used
 * by mailroom itself.
 */
import MiniSearch from 'minisearch';
import { z } from 'zod';
import { ToolError } from '../../src/errors.js';
import { defineTool } from '../../src/tools/types.js';
import { locateResearchPath } from '../../src/tools/research/locate.js';
import { walkTextFiles } from '../../src/tools/research/walk.js';
import type { WalkResult } from '../../src/tools/research/walk.js';

/** Matching lines shown per file. */
const SNIPPETS_PER_FILE = 3;
/** Longest snippet line, in characters. */
const SNIPPET_CHARS = 200;

interface SearchHit {
  path: string;
  score: number;
  /** `[line number, line text]` pairs. */
  lines: Array<[number, string]>;
}

/** Common English words that carry no search meaning; left out of the index and queries. */
const STOP_WORDS = new Set(
  'a an and are as at be by do does for from how in is it of on or the to was what when where which who why with'.split(' '),
);

/** Lower-cases a term and drops stop words (minisearch skips terms mapped to null). */
function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  return STOP_WORDS.has(t) ? null : t;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lines of `text` with a word starting with any of `terms` (case-insensitive), best first by term count. */
function matchingLines(text: string, terms: string[], max = SNIPPETS_PER_FILE): Array<[number, string]> {
  const patterns = [...new Set(terms.map((t) => t.toLowerCase()))]
    .filter((t) => t.length > 1 && !STOP_WORDS.has(t))
    .map((t) => new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(t)}`, 'iu'));
  if (patterns.length === 0) return [];
  const scored: Array<{ n: number; hits: number; line: string }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    let hits = 0;
    for (const p of patterns) if (p.test(line)) hits++;
    if (hits > 0) scored.push({ n: i + 1, hits, line });
  }
  scored.sort((a, b) => b.hits - a.hits || a.n - b.n);
  return scored
    .slice(0, max)
    .sort((a, b) => a.n - b.n)
    .map(({ n, line }) => {
      const t = line.trim();
      return [n, t.length > SNIPPET_CHARS ? `${t.slice(0, SNIPPET_CHARS)}…` : t];
    });
}

type Doc = { id: number; path: string; content: string };
interface BuiltIndex {
  walked: WalkResult;
  index: MiniSearch<Doc>;
  at: number;
}

/** How long an index of the source folder is reused. */
const INDEX_TTL_MS = 60_000;
const indexCache = new Map<string, BuiltIndex>();

async function buildIndex(root: string, cacheable: boolean, signal: AbortSignal): Promise<BuiltIndex> {
  const cached = cacheable ? indexCache.get(root) : undefined;
  if (cached && Date.now() - cached.at < INDEX_TTL_MS) return cached;
  const walked = await walkTextFiles(root, undefined, signal);
  const index = new MiniSearch<Doc>({
    fields: ['path', 'content'],
    storeFields: [],
    processTerm,
    searchOptions: {
      boost: { path: 2 },
      // Prefix and typo matching only for longer words: on short ones they match noise.
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 6 ? 0.2 : false),
      combineWith: 'OR',
    },
  });
  index.addAll(walked.files.map((f, id) => ({ id, path: f.rel, content: f.text })));
  const built = { walked, index, at: Date.now() };
  if (cacheable && !signal.aborted) {
    // A few roots at most (a worker searches one source folder and its sub-folders).
    if (indexCache.size >= 4) indexCache.delete(indexCache.keys().next().value as string);
    indexCache.set(root, built);
  }
  return built;
}

export const baselineSearchFiles = defineTool({
  name: 'search_files',
  description:
    'Ranked full-text search over the source folder (or a sub-folder of it; a path starting with ' +
    '"workspace/" searches the session workspace). Respects .gitignore and skips binary and large ' +
    'files. Returns the best-matching files with a relevance score and the matching lines.',
  input: z.object({
    query: z.string().min(1).max(500).describe('Words to search for; more specific words rank better'),
    path: z.string().optional().describe('Sub-folder to search (default: the whole source folder)'),
    limit: z.number().int().min(1).max(50).optional().describe('Number of files to return (default 10)'),
  }),
  async run(input, ctx) {
    const loc = await locateResearchPath(ctx, input.path ?? '.');
    if (!loc.exists) throw new ToolError(`folder not found: ${loc.display}`, { code: 'E_NOT_FOUND' });
    // The source folder is read-only for the session, so its index is reused for a while;
    // the workspace is shared with other workers and changes, so it is indexed each time.
    const cacheable = !loc.display.startsWith('workspace');
    const { walked, index } = await buildIndex(loc.abs, cacheable, ctx.signal);
    const prefix = loc.display === '.' ? '' : `${loc.display}/`;
    const all = index.search(input.query);
    const results = all.slice(0, input.limit ?? 10);
    const notes: string[] = [];
    if (walked.capped) notes.push('the index hit its size cap, so some files were not searched');
    if (walked.skippedBinary) notes.push(`${walked.skippedBinary} binary file(s) skipped`);
    if (walked.skippedLarge) notes.push(`${walked.skippedLarge} large file(s) skipped`);
    const footer = notes.length ? `\n[${notes.join('; ')}]` : '';
    if (results.length === 0) {
      return { content: `no files match "${input.query}" (searched ${walked.files.length} files)${footer}` };
    }
    const hits: SearchHit[] = results.map((r) => {
      const file = walked.files[r.id as number];
      const queryWords = input.query.split(/[\s\p{P}]+/u).filter((w) => w.length > 1);
      return {
        path: `${prefix}${file?.rel ?? '?'}`,
        score: Math.round(r.score * 100) / 100,
        lines: matchingLines(file?.text ?? '', [...new Set([...r.terms, ...queryWords])]),
      };
    });
    const body = hits
      .map((h, i) => [`${i + 1}. ${h.path}  (score ${h.score})`, ...h.lines.map(([n, l]) => `   ${n}: ${l}`)].join('\n'))
      .join('\n');
    return {
      content: `${all.length} file(s) match "${input.query}" (searched ${walked.files.length} files); ${hits.length === all.length ? 'all' : `the best ${hits.length}`} shown, best first:\n${body}${footer}`,
      untrusted: true,
      source: `search_files: ${input.query}`,
    };
  },
});
