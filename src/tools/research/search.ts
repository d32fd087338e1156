/**
 * `search_files`: ranked full-text search over the source folder or the workspace. BM25
 * (minisearch) over code-aware tokens, exact words weighing more than their stems, with
 * paths and outlines (header comment, headings, declared names) boosted; then re-ranked by
 * proximity, so a file where the query's words sit together beats one where they are far
 * apart. Tests, fixtures, lockfiles and generated files are left out unless asked for.
 */
import { setImmediate } from 'node:timers/promises';
import MiniSearch from 'minisearch';
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { defineTool } from '../types.js';
import { SKIPPED_KINDS, fileKind, kindsAskedFor, kindsOfFolder, type SkippedKind } from './file-kinds.js';
import { locateResearchPath } from './locate.js';
import { outlineOf } from '../../text/outline.js';
import { bestLines, matchLines, proximity } from '../../text/proximity.js';
import { codeWords, indexForms, isStemTerm, queryConcepts, rawWords, STOP_WORDS } from '../../text/tokenize.js';
import { walkTextFiles } from './walk.js';
import type { WalkOptions, WalkResult } from './walk.js';

/** Matching lines shown per file. */
const SNIPPETS_PER_FILE = 3;
/** Longest snippet line, in characters. */
const SNIPPET_CHARS = 200;
/** Candidates re-ranked by proximity (BM25 decides which files get that far). */
const RERANK_DEPTH = 50;
/** A stem-only match weighs this much of an exact word match. */
const STEM_WEIGHT = 0.5;
/** A part of a compound query identifier weighs this much of a whole word. */
const PART_WEIGHT = 0.4;
/** Field boosts: a file named for the topic, or whose outline names it, is usually about it. */
const PATH_BOOST = 4;
const OUTLINE_BOOST = 2;
/** Fenced blocks of a Markdown file (examples, sample output) weigh this much of its prose. */
const EXAMPLES_BOOST = 0.3;
/** Data files (JSON, CSV...) mention words without explaining them: their scores count this much. */
const DATA_FILE_WEIGHT = 0.5;
const DATA_FILE = /\.(json|jsonl|ndjson|csv|tsv|xml|svg|lock|txt)$/i;

export interface SearchHit {
  path: string;
  score: number;
  /** `[line number, line text]` pairs. */
  lines: Array<[number, string]>;
}

type Doc = { id: number; path: string; outline: string; content: string; examples: string };

/**
 * A Markdown file's prose and its fenced blocks apart: the prose says what a doc is about,
 * while the fences hold examples (commands, sample output) that repeat words without
 * explaining them, so they weigh less.
 */
function splitFences(rel: string, text: string): { content: string; examples: string } {
  if (!/\.(md|markdown|mdx)$/i.test(rel)) return { content: text, examples: '' };
  const prose: string[] = [];
  const fenced: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const open = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && open) fence = open;
    else if (fence !== undefined && open && open.startsWith(fence[0]!) && open.length >= fence.length && line.trim() === open) fence = undefined;
    else (fence === undefined ? prose : fenced).push(line);
  }
  return { content: prose.join('\n'), examples: fenced.join('\n') };
}
interface BuiltIndex {
  walked: WalkResult;
  /** Index into walked.files of each indexed document. */
  docs: number[];
  skipped: Record<SkippedKind, number>;
  index: MiniSearch<Doc>;
  at: number;
}

/** The index forms of a raw token: the whole identifier and its parts, each exact and stemmed. */
function processTerm(term: string): string[] {
  return codeWords(term).flatMap(indexForms);
}

/** Splits into raw words; processTerm does the identifier splitting so the whole word survives too. */
function tokenize(text: string): string[] {
  return rawWords(text);
}

/** Longest stretch of indexing or ranking between two yields to the event loop, in ms. */
const SLICE_MS = 15;

/**
 * Indexing and ranking are CPU work: this yields to the event loop whenever a slice has
 * run its time, so the worker's heartbeat and mailbox keep running on a loaded machine.
 */
function yielder(): () => Promise<void> {
  // Date.now(), not performance.now(): the first touch of `performance` loads perf_hooks
  // (about 2 ms in a worker), and a slice of 15 ms needs no finer clock.
  let last = Date.now();
  return async () => {
    if (Date.now() - last < SLICE_MS) return;
    await setImmediate();
    last = Date.now();
  };
}

/** How long an index of the source folder is reused. */
const INDEX_TTL_MS = 60_000;
const indexCache = new Map<string, BuiltIndex>();

async function buildIndex(root: string, include: Set<SkippedKind>, cacheable: boolean, signal: AbortSignal, walkOptions: WalkOptions = {}): Promise<BuiltIndex> {
  const key = `${root}\0${[...include].sort().join(',')}\0${walkOptions.includePrivate ? 'private' : ''}`;
  const cached = cacheable ? indexCache.get(key) : undefined;
  if (cached && Date.now() - cached.at < INDEX_TTL_MS) return cached;
  const walked = await walkTextFiles(root, undefined, signal, walkOptions);
  const index = new MiniSearch<Doc>({
    fields: ['path', 'outline', 'content', 'examples'],
    storeFields: [],
    tokenize,
    processTerm,
  });
  const docs: number[] = [];
  const skipped = Object.fromEntries(SKIPPED_KINDS.map((k) => [k, 0])) as Record<SkippedKind, number>;
  const pause = yielder();
  for (let i = 0; i < walked.files.length; i++) {
    await pause();
    if (signal.aborted) break;
    const f = walked.files[i]!;
    const kind = fileKind(f.rel, f.text);
    if (kind && !include.has(kind)) {
      skipped[kind]++;
      continue;
    }
    docs.push(i);
    index.add({ id: docs.length - 1, path: f.rel, outline: outlineOf(f.text, f.rel), ...splitFences(f.rel, f.text) });
  }
  const built = { walked, docs, skipped, index, at: Date.now() };
  if (cacheable && !signal.aborted) {
    // A few roots at most (a worker searches one source folder and its sub-folders).
    if (indexCache.size >= 4) indexCache.delete(indexCache.keys().next().value as string);
    indexCache.set(key, built);
  }
  return built;
}

interface Ranked {
  file: { rel: string; text: string };
  score: number;
  lines: Array<[number, string]>;
}

/** Runs the query: whole words first, then re-ranked by proximity; prefix matching only as a fallback. */
async function rank(built: BuiltIndex, query: string): Promise<{ ranked: Ranked[]; total: number; prefixFallback: boolean }> {
  const concepts = queryConcepts(query);
  const parts = new Set(concepts.filter((c) => c.part).map((c) => c.word));
  const boostTerm = (term: string): number => {
    const stemmed = isStemTerm(term);
    const word = stemmed ? term.slice(1) : term;
    return (stemmed ? STEM_WEIGHT : 1) * (parts.has(word) || (stemmed && concepts.some((c) => c.part && c.stem === word)) ? PART_WEIGHT : 1);
  };
  const options = { boost: { path: PATH_BOOST, outline: OUTLINE_BOOST, content: 1, examples: EXAMPLES_BOOST }, boostTerm, combineWith: 'OR' as const };
  let results = built.index.search(query, options);
  let prefixFallback = false;
  if (results.length === 0) {
    // Nothing matched a whole word or its stem: try word beginnings before giving up.
    results = built.index.search(query, { ...options, prefix: (t: string) => !isStemTerm(t) && t.length >= 4 });
    prefixFallback = results.length > 0;
  }
  const pause = yielder();
  const ranked: Ranked[] = [];
  for (const r of results.slice(0, RERANK_DEPTH)) {
    await pause();
    const file = built.walked.files[built.docs[r.id as number]!]!;
    const matches = matchLines(file.text, concepts);
    const near = proximity(matches, concepts);
    // Proximity scales the score between half and all of it: BM25 still decides most.
    const score = r.score * (0.5 + 0.5 * near) * (DATA_FILE.test(file.rel) ? DATA_FILE_WEIGHT : 1);
    const lines = bestLines(matches, concepts, SNIPPETS_PER_FILE).map((m): [number, string] => {
      const t = m.text.trim();
      return [m.n, t.length > SNIPPET_CHARS ? `${t.slice(0, SNIPPET_CHARS)}…` : t];
    });
    ranked.push({ file, score, lines });
  }
  ranked.sort((a, b) => b.score - a.score || a.file.rel.localeCompare(b.file.rel));
  return { ranked, total: results.length, prefixFallback };
}

const includeSchema = z
  .optional(z.array(z.enum(SKIPPED_KINDS)))
  .check(z.describe('Kinds of file left out by default that this search should include: tests, fixtures, lockfiles, generated'));

export const searchFiles = defineTool({
  name: 'search_files',
  description:
    'Ranked full-text search over the source folder (or a sub-folder of it; a path starting with ' +
    '"workspace/" searches the session workspace). Matches whole words and their inflections ' +
    '("handles" finds "handle" and "handling"), splits camelCase and snake_case identifiers, and ' +
    'ranks files where the words appear close together first. Respects .gitignore, skips binary ' +
    'and large files, and leaves out tests, fixtures, lockfiles and generated files unless the ' +
    'query names them or include asks for them. Returns the best-matching files with a relevance ' +
    'score and their most telling lines.',
  input: z.object({
    query: z.string().check(z.minLength(1), z.maxLength(500), z.describe('Words to search for; more specific words rank better')),
    path: z.optional(z.string()).check(z.describe('Sub-folder to search (default: the whole source folder)')),
    limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(50))).check(z.describe('Number of files to return (default 10)')),
    include: includeSchema,
  }),
  async run(input, ctx) {
    const loc = await locateResearchPath(ctx, input.path ?? '.');
    if (!loc.exists) throw new ToolError(`folder not found: ${loc.display}`, { code: 'E_NOT_FOUND' });
    if (rawWords(input.query).every((w) => w.length < 2 || STOP_WORDS.has(w.toLowerCase()))) {
      throw new ToolError(`the query "${input.query}" has no words to search for (only stop words or single letters)`);
    }
    const include = new Set<SkippedKind>([...(input.include ?? []), ...kindsAskedFor(input.query), ...kindsOfFolder(loc.display)]);
    // The source folder is read-only for the session, so its index is reused for a while;
    // the workspace is shared with other workers and changes, so it is indexed each time.
    const cacheable = !loc.display.startsWith('workspace');
    const built = await buildIndex(loc.abs, include, cacheable, ctx.signal, { includePrivate: ctx.settings.includePrivateFiles });
    const prefix = loc.display === '.' ? '' : `${loc.display}/`;
    const { ranked, total, prefixFallback } = await rank(built, input.query);
    const results = ranked.slice(0, input.limit ?? 10);
    const { walked } = built;
    const notes: string[] = [];
    // Words no searched file contains (in any form): whatever matched, matched without them.
    const absent = queryConcepts(input.query).filter((c) => !c.part && built.index.search(c.word).length === 0);
    if (absent.length > 0 && total > 0) notes.push(`no file has ${absent.map((c) => `"${c.word}"`).join(', ')}`);
    if (prefixFallback) notes.push('no whole word matched, so these files match word beginnings');
    const left = SKIPPED_KINDS.filter((k) => built.skipped[k] > 0).map((k) => `${built.skipped[k]} ${k}`);
    if (left.length > 0) notes.push(`left out ${left.join(', ')} (pass include to search them)`);
    if (walked.capped) notes.push('the index hit its size cap, so some files were not searched');
    if (walked.skippedBinary) notes.push(`${walked.skippedBinary} binary file(s) skipped`);
    if (walked.skippedLarge) notes.push(`${walked.skippedLarge} large file(s) skipped`);
    const footer = notes.length ? `\n[${notes.join('; ')}]` : '';
    const searched = built.docs.length;
    if (results.length === 0) {
      return { content: `no files match "${input.query}" (searched ${searched} files)${footer}` };
    }
    const top = results[0]!.score;
    const hits: SearchHit[] = results.map((r) => ({
      path: `${prefix}${r.file.rel}`,
      // Scores are relative to the best file (100), so they read the same on any tree.
      score: Math.round((r.score / top) * 1000) / 10,
      lines: r.lines,
    }));
    const body = hits
      .map((h, i) => [`${i + 1}. ${h.path}  (score ${h.score})`, ...h.lines.map(([n, l]) => `   ${n}: ${l}`)].join('\n'))
      .join('\n');
    const shown = hits.length === total ? 'all' : `the best ${hits.length}`;
    return {
      content: `${total} file(s) match "${input.query}" (searched ${searched} files); ${shown} shown, best first:\n${body}${footer}`,
      untrusted: true,
      source: `search_files: ${input.query}`,
    };
  },
});
