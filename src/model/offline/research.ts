/**
 * The offline research routine: search the source folder for the task's content words,
 * read the best files, and answer with the passages that bear on the task, each quoted
 * verbatim under its `path:line` citation, files ranked by relevance, each opened with its
 * header comment, near-duplicates dropped. It quotes; it never paraphrases or adds.
 */
import { renderFile, type FileFindings } from './findings.js';
import { dropNearDuplicates, extractFindings } from './passages.js';
import { keywords } from './text.js';
import { matchLines } from '../../text/proximity.js';
import { queryConcepts } from '../../text/tokenize.js';
import { call, coreTask, unwrapToolResult, type ToolExchange, type TurnReply, type WorkerState } from './turn-state.js';

/** How the answer names the search words that no file read contains. */
export const MISSING_NOTE = 'None of the files read mention';

/** Files read at most. */
const MAX_FILES_READ = 4;
/** A file is read only if its search score is at least this share of the best file's. */
const MIN_RELATIVE_SCORE = 0.15;

/** The query the routine searches with: the task's content words. */
export function researchQuery(task: string): string {
  return keywords(coreTask(task), 5).join(' ');
}

export function researchTurn(state: WorkerState): TurnReply {
  const query = researchQuery(state.task);
  const searched = state.exchanges.filter((e) => e.name === 'search_files');
  if (searched.length === 0 && query) {
    const c = call(state, 'search_files', { query, text: query });
    if (c) return { kind: 'tools', calls: [c] };
  }
  const read = state.exchanges.filter((e) => e.name === 'read_file');
  if (read.length === 0 && searched.some((e) => !e.isError)) {
    const paths = rankedPaths(searched.filter((e) => !e.isError).map((e) => unwrapToolResult(e.result)).join('\n'));
    const calls = paths.map((p) => call(state, 'read_file', { path: p })).filter((c) => c !== undefined);
    if (calls.length > 0) return { kind: 'tools', calls };
  }
  return { kind: 'answer', text: researchAnswer(state, query) };
}

/**
 * The files a search_files result ranks, best first, keeping those that score near the
 * best; falls back to any file paths mentioned when the ranking lines are not there.
 */
export function rankedPaths(text: string): string[] {
  const ranked = [...text.matchAll(/^\s*\d+\.\s+(\S+)\s+\(score ([\d.]+)\)\s*$/gm)].map((m) => ({ path: m[1]!, score: Number(m[2]) }));
  if (ranked.length > 0) {
    const best = ranked[0]!.score;
    return ranked.filter((r) => r.score >= best * MIN_RELATIVE_SCORE).slice(0, MAX_FILES_READ).map((r) => r.path);
  }
  return pathsIn(text).slice(0, MAX_FILES_READ);
}

/** File paths mentioned in a text, in order of first mention. */
function pathsIn(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(/(?:^|[\s"'`(\[])((?:[\w@.-]+\/)*[\w@-][\w@.-]*\.[A-Za-z0-9]{1,6})(?=[\s"'`:)\],]|$)/gm)) {
    const p = m[1]!;
    if (/^\d+(\.\d+)+$/.test(p) || p.includes('://')) continue;
    seen.add(p);
  }
  return [...seen];
}

/** A read_file result as file text, with the line number of its first line. */
export function readPage(result: string): { text: string; firstLine: number } {
  const lines = unwrapToolResult(result).split('\n');
  let firstLine = 1;
  // Footers the tools add: a page note and a truncation marker.
  while (lines.length > 0) {
    const last = lines.at(-1)!;
    const page = /^\[\S.*: lines (\d+)-\d+ of .*\]$/.exec(last);
    if (page) {
      firstLine = Number(page[1]);
      lines.pop();
    } else if (/^\[truncated: showing \d+ of \d+ characters\]$/.test(last)) {
      lines.pop();
    } else break;
  }
  return { text: lines.join('\n'), firstLine };
}

function findingsOf(reads: ToolExchange[], query: string): FileFindings[] {
  const files = reads.map((r) => {
    const path = String((r.input as { path?: unknown } | undefined)?.path ?? '?');
    const { text, firstLine } = readPage(r.result);
    return extractFindings(path, text, query, firstLine);
  });
  return dropNearDuplicates(files).filter((f) => f.passages.length > 0 || f.header);
}

function researchAnswer(state: WorkerState, query: string): string {
  const reads = state.exchanges.filter((e) => e.name === 'read_file' && !e.isError);
  const searched = state.exchanges.filter((e) => e.name === 'search_files');
  const lines: string[] = [`Findings for: ${coreTask(state.task)}`, ''];
  const files = findingsOf(reads, query);
  const passages = files.reduce((n, f) => n + f.passages.length, 0);
  if (files.length === 0 || passages === 0) {
    const note = !query
      ? 'the task has no words to search for'
      : searched.some((e) => e.isError)
        ? 'the search failed'
        : 'no source matched the search terms';
    lines.push(`No findings: ${note} (searched for "${query}").`);
    return lines.join('\n');
  }
  // Words of the search that no file read contains: the findings cannot speak to them.
  const texts = reads.map((r) => readPage(r.result).text).join('\n');
  const missing = queryConcepts(query).filter((c) => !c.part && matchLines(texts, [c]).length === 0).map((c) => c.word);
  const matched = /^(\d+) file\(s\) match/m.exec(searched.map((e) => unwrapToolResult(e.result)).join('\n'))?.[1];
  lines.push(
    `Searched for "${query}" with search_files${matched ? ` (${matched} file(s) matched)` : ''}, and read the best ${reads.length}. ` +
      `The files below are ranked by relevance, each with its header comment; every passage is quoted verbatim under its path:line.`,
    '',
  );
  if (missing.length > 0) lines.push(`${MISSING_NOTE} ${missing.map((w) => `"${w}"`).join(', ')}; the passages below match only the other words.`, '');
  for (const f of files) lines.push(...renderFile(f, 3));
  lines.push(`${passages} passage(s) from ${files.length} file(s).`);
  return lines.join('\n').trim();
}
