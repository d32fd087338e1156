/**
 * Line-level scoring for search results: how well each line of a file matches a query's
 * concepts (exact words over stems, whole identifiers over their parts), how close the
 * matched concepts sit to each other, and which lines best show why a file matched.
 */
import { conceptMatch, lineForms, type QueryConcept } from './tokenize.js';

/** Lines either side that count as "near" for proximity. */
const NEAR_LINES = 2;
/** A shown line scores at least this share of the file's best line. */
const MIN_SHARE_OF_BEST = 0.4;

export interface LineMatch {
  /** 1-based line number. */
  n: number;
  text: string;
  /** Per concept, how strongly this line matches it (0 when it does not). */
  strengths: number[];
}

/** The lines of `text` that match at least one concept. */
export function matchLines(text: string, concepts: QueryConcept[]): LineMatch[] {
  const out: LineMatch[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const { words, stems } = lineForms(line);
    const strengths = concepts.map((c) => conceptMatch(c, words, stems));
    if (strengths.some((s) => s > 0)) out.push({ n: i + 1, text: line, strengths });
  }
  return out;
}

function conceptWeight(c: QueryConcept): number {
  return c.part ? 0.4 : 1;
}

/**
 * The share of the query's weight that one window of nearby lines covers at best: 1 when
 * every concept appears within a few lines of each other, lower when they are far apart.
 */
export function proximity(matches: LineMatch[], concepts: QueryConcept[]): number {
  if (concepts.length === 0 || matches.length === 0) return 0;
  const total = concepts.reduce((a, c) => a + conceptWeight(c), 0);
  let best = 0;
  let start = 0;
  for (let end = 0; end < matches.length; end++) {
    while (matches[end]!.n - matches[start]!.n > NEAR_LINES * 2) start++;
    let covered = 0;
    concepts.forEach((c, k) => {
      let strongest = 0;
      for (let j = start; j <= end; j++) strongest = Math.max(strongest, matches[j]!.strengths[k]!);
      covered += strongest * conceptWeight(c);
    });
    best = Math.max(best, covered / total);
  }
  return best;
}

/** A line that declares something or opens a doc comment or a heading: it says what follows. */
function isSignpost(text: string): boolean {
  const t = text.trim();
  return (
    /^#{1,6}\s/.test(t) ||
    /^(\/\*\*|\/\/\/?|#\s|"""|''')/.test(t) ||
    /^(export\s+)?(default\s+)?(async\s+)?(function|class|interface|type|enum|const|let|def|fn|func|pub\s+fn|struct|trait|impl)\b/.test(t)
  );
}

/** A line that only imports: it names a thing without saying anything about it. */
function isImport(text: string): boolean {
  return /^\s*(import\s|export\s+\{[^}]*\}\s+from|export\s+\*\s+from|(const|let|var)\s+\{?[\w\s,]+\}?\s*=\s*require\(|from\s+\S+\s+import\s|use\s+[\w:]+;|#include\b)/.test(text);
}

/**
 * The lines that best show why a file matched, in source order: scored by the concepts they
 * match (plus half the ones matched just around them), with a bonus for declarations,
 * doc comments and headings, and a penalty for bare imports.
 */
export function bestLines(matches: LineMatch[], concepts: QueryConcept[], max: number): LineMatch[] {
  const scored = matches.map((m, i) => {
    let own = 0;
    let near = 0;
    concepts.forEach((c, k) => {
      const s = m.strengths[k]!;
      own += s * conceptWeight(c);
      if (s === 0) {
        let around = 0;
        for (let j = i - 1; j >= 0 && m.n - matches[j]!.n <= NEAR_LINES; j--) around = Math.max(around, matches[j]!.strengths[k]!);
        for (let j = i + 1; j < matches.length && matches[j]!.n - m.n <= NEAR_LINES; j++) around = Math.max(around, matches[j]!.strengths[k]!);
        near += around * conceptWeight(c);
      }
    });
    const bonus = (isSignpost(m.text) ? 0.3 : 0) - (isImport(m.text) ? 0.6 : 0);
    return { m, score: own + near / 2 + bonus };
  });
  scored.sort((a, b) => b.score - a.score || a.m.n - b.m.n);
  // A line far weaker than the file's best one (a lone part of a compound word, say) says
  // little about why the file matched; leave it out rather than fill the quota.
  const floor = (scored[0]?.score ?? 0) * MIN_SHARE_OF_BEST;
  return scored
    .filter((s) => s.score >= floor)
    .slice(0, max)
    .map((s) => s.m)
    .sort((a, b) => a.n - b.n);
}
