/**
 * Passage extraction for the offline research routine: from a file's text, the passages
 * that say most about a query. A passage is a unit a person would quote: a doc comment
 * with the signature it documents, a Markdown paragraph with its heading, or a comment
 * block with the line it explains; never a lone fragment. Quotes are the file's own lines.
 */
import { headerComment } from '../../text/outline.js';
import { matchLines } from '../../text/proximity.js';
import { codeWords, queryConcepts, type QueryConcept } from '../../text/tokenize.js';
import { isDeclaration, type FileFindings, type Passage } from './findings.js';

/** Passages kept per file. */
const PASSAGES_PER_FILE = 4;
/** Longest passage, in lines. */
const MAX_PASSAGE_LINES = 8;
/** Longest header comment quoted, in lines. */
const MAX_HEADER_LINES = 6;
/** Lines after a unit that count as its body (matches there count half). */
const MAX_BODY_LINES = 40;
/** A Markdown fenced block's score counts this much. */
const FENCE_WEIGHT = 0.3;
/** A kept passage scores at least this share of the file's best one. */
const MIN_SHARE_OF_BEST = 0.4;

interface Unit {
  start: number;
  end: number;
  /** Last line of the unit's body (== end when it has none). */
  bodyEnd: number;
}

function isMarkdownPath(path: string): boolean {
  return /\.(md|markdown|mdx|txt|rst)$/i.test(path);
}

function isComment(line: string): boolean {
  return /^\s*(\/\*|\*|\/\/|#(?!!)|--\s)/.test(line);
}

/** Code units: a comment block with the line after it, or a declaration on its own. */
function codeUnits(lines: string[]): Unit[] {
  const units: Unit[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isComment(line)) {
      let j = i;
      if (/^\s*\/\*/.test(line)) while (j < lines.length - 1 && !lines[j]!.includes('*/')) j++;
      else while (j + 1 < lines.length && isComment(lines[j + 1]!)) j++;
      const next = lines[j + 1];
      const withNext = next !== undefined && next.trim() !== '' && !isComment(next);
      const end = withNext ? j + 1 : j;
      units.push({ start: Math.max(i, end - (MAX_PASSAGE_LINES - 1)), end, bodyEnd: end });
      i = end + 1;
    } else if (isDeclaration(line)) {
      units.push({ start: i, end: i, bodyEnd: i });
      i++;
    } else {
      i++;
    }
  }
  // A unit's body runs to the next unit, so a match inside a function counts for it.
  units.forEach((u, k) => {
    const next = units[k + 1]?.start ?? lines.length;
    u.bodyEnd = Math.max(u.end, Math.min(next - 1, u.end + MAX_BODY_LINES));
  });
  return units;
}

/** Markdown units: each paragraph (or list, table or fence), with the heading above it. */
function markdownUnits(lines: string[]): Unit[] {
  const units: Unit[] = [];
  const isHeading = (n: number) => /^#{1,6}\s/.test(lines[n]?.trim() ?? '');
  const isFence = (n: number) => /^\s*(```|~~~)/.test(lines[n] ?? '');
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.trim() === '') {
      i++;
      continue;
    }
    const start = i;
    let para = i;
    if (isHeading(i)) {
      // The heading joins the paragraph under it (the blank lines between are quoted too).
      para = i + 1;
      while (para < lines.length && lines[para]!.trim() === '') para++;
      if (para >= lines.length || isHeading(para)) {
        units.push({ start, end: start, bodyEnd: start });
        i = para;
        continue;
      }
    }
    let end = para;
    let inFence = isFence(para);
    while (end + 1 < lines.length && (inFence || lines[end + 1]!.trim() !== '') && !(!inFence && isHeading(end + 1))) {
      end++;
      if (isFence(end)) inFence = !inFence;
    }
    units.push({ start, end: Math.min(end, start + MAX_PASSAGE_LINES - 1), bodyEnd: end });
    i = end + 1;
  }
  return units;
}

function weight(c: QueryConcept): number {
  return c.part ? 0.4 : 1;
}

/**
 * The findings of one file for a query: its header comment and its best passages, best
 * first. `firstLine` is the file line number of `text`'s first line (for a paged read).
 */
export function extractFindings(path: string, text: string, query: string, firstLine = 1): FileFindings {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const concepts = queryConcepts(query);
  const toPassage = (start: number, end: number, header?: boolean): Passage => ({
    path,
    start: start + firstLine,
    end: end + firstLine,
    lines: lines.slice(start, end + 1).map((l) => l.trimEnd()),
    ...(header ? { header: true } : {}),
  });
  const hc = firstLine === 1 ? headerComment(text, path) : undefined;
  const header = hc ? toPassage(hc.line - 1, Math.min(hc.line - 1 + hc.lines.length - 1, hc.line - 1 + MAX_HEADER_LINES - 1), true) : undefined;
  const headerEnd = hc ? hc.line - 1 + hc.lines.length - 1 : -1;

  // strengths[n][k]: how strongly line n matches concept k.
  const strengths = new Map<number, number[]>();
  for (const m of matchLines(lines.join('\n'), concepts)) strengths.set(m.n - 1, m.strengths);
  const units = isMarkdownPath(path) ? markdownUnits(lines) : codeUnits(lines);
  const scored = units
    .filter((u) => u.start > headerEnd)
    .map((u) => {
      let score = 0;
      concepts.forEach((c, k) => {
        let own = 0;
        let body = 0;
        for (let n = u.start; n <= u.bodyEnd; n++) {
          const s = strengths.get(n)?.[k] ?? 0;
          if (n <= u.end) own = Math.max(own, s);
          else body = Math.max(body, s);
        }
        score += weight(c) * Math.max(own, body / 2);
      });
      // In a doc, a fenced block is an example (a command, sample output), not a statement.
      const firstBody = lines.slice(u.start, u.end + 1).find((l) => l.trim() !== '' && !/^#{1,6}\s/.test(l.trim())) ?? '';
      if (isMarkdownPath(path) && /^\s*(```|~~~)/.test(firstBody)) score *= FENCE_WEIGHT;
      return { u, score };
    })
    .filter((s) => s.score > 0);
  const best = Math.max(0, ...scored.map((s) => s.score));
  const passages = scored
    .filter((s) => s.score >= best * MIN_SHARE_OF_BEST)
    .sort((a, b) => b.score - a.score || a.u.start - b.u.start)
    .slice(0, PASSAGES_PER_FILE)
    .map((s) => toPassage(s.u.start, s.u.end));
  return { path, ...(header ? { header } : {}), passages };
}

/** Word-set similarity of two passages (Jaccard), for dropping near-duplicates. */
export function similarity(a: Passage, b: Passage): number {
  const wa = new Set(codeWords(a.lines.join('\n')));
  const wb = new Set(codeWords(b.lines.join('\n')));
  if (wa.size === 0 && wb.size === 0) return a.lines.join('\n') === b.lines.join('\n') ? 1 : 0;
  let both = 0;
  for (const w of wa) if (wb.has(w)) both++;
  return both / (wa.size + wb.size - both);
}

/** Drops passages (and headers) that repeat an earlier one almost word for word. */
export function dropNearDuplicates(files: FileFindings[], threshold = 0.8): FileFindings[] {
  const kept: Passage[] = [];
  const keep = (p: Passage): boolean => {
    if (kept.some((q) => similarity(p, q) >= threshold)) return false;
    kept.push(p);
    return true;
  };
  return files.map((f) => {
    const header = f.header && keep(f.header) ? f.header : undefined;
    return { path: f.path, ...(header ? { header } : {}), passages: f.passages.filter(keep) };
  });
}
