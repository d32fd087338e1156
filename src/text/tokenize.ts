/**
 * Code-aware tokens for search: identifiers are kept whole and also split at camelCase and
 * snake_case boundaries ("parseHttpHeader" gives "parsehttpheader", "parse", "http",
 * "header"), and every word has two index forms, the exact word and its Porter stem, so
 * that an inflected word finds its other forms ("retries", "retrying") but not a
 * different word that merely starts the same way (a "-er" noun).
 */
import { stemmer } from 'stemmer';

/** Common English words that carry no search meaning; left out of the index and queries. */
export const STOP_WORDS = new Set(
  [
    'a an and are as at be been by can could do does for from had has have how i if in into is it its',
    'of on or our per should so than that the their them then there these they this those to via was',
    'we were what when where which who why will with would you your',
  ]
    .join(' ')
    .split(' '),
);

/** Marks the stem form of a term in the index, so it never collides with an exact word. */
const STEM_MARK = '~';

/** Splits text into raw words: runs of letters, digits, `_` and `$` (identifiers stay whole). */
export function rawWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}_$]+/gu) ?? [];
}

/** The parts of an identifier, at `_`, `$`, `-` and camelCase boundaries ("HTTPServer" -> HTTP, Server). */
export function identifierParts(word: string): string[] {
  return word
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[\s_$-]+/)
    .filter((p) => p.length > 0);
}

/**
 * The search words of a text, lower-cased: each identifier whole, then its parts when it
 * has more than one. Stop words and one-character words are dropped.
 */
export function codeWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of rawWords(text)) {
    const whole = raw.replace(/^[_$]+|[_$]+$/g, '').toLowerCase();
    if (keep(whole)) out.push(whole);
    const parts = identifierParts(raw);
    if (parts.length > 1) for (const p of parts) if (keep(p.toLowerCase())) out.push(p.toLowerCase());
  }
  return out;
}

function keep(word: string): boolean {
  return word.length > 1 && !STOP_WORDS.has(word);
}

/** The Porter stem of a lower-cased word (numbers and non-Latin words are kept as they are). */
export function stem(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word;
  let s = stemCache.get(word);
  if (s === undefined) {
    // Bounded: a huge tree has many distinct words, and they are cheap to stem again.
    if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
    s = stemmer(word);
    stemCache.set(word, s);
  }
  return s;
}

const STEM_CACHE_MAX = 50_000;
const stemCache = new Map<string, string>();

/** The stem form of a word as it is stored in the index. */
export function stemTerm(word: string): string {
  return `${STEM_MARK}${stem(word)}`;
}

/** True when an index term is a stem form rather than an exact word. */
export function isStemTerm(term: string): boolean {
  return term.startsWith(STEM_MARK);
}

/** Both index forms of a search word: the exact word and its stem. */
export function indexForms(word: string): string[] {
  return [word, stemTerm(word)];
}

/** A query word and the forms that match it. */
export interface QueryConcept {
  /** The word as the query gave it, lower-cased. */
  word: string;
  stem: string;
  /** True for a part of a compound identifier in the query (it weighs less than a whole word). */
  part: boolean;
}

/** The concepts of a query: each distinct word (and the parts of compound identifiers). */
export function queryConcepts(query: string): QueryConcept[] {
  const seen = new Map<string, QueryConcept>();
  for (const raw of rawWords(query)) {
    const whole = raw.replace(/^[_$]+|[_$]+$/g, '').toLowerCase();
    if (keep(whole) && !seen.has(whole)) seen.set(whole, { word: whole, stem: stem(whole), part: false });
    const parts = identifierParts(raw);
    if (parts.length > 1) {
      for (const p of parts.map((x) => x.toLowerCase())) {
        if (keep(p) && !seen.has(p)) seen.set(p, { word: p, stem: stem(p), part: true });
      }
    }
  }
  return [...seen.values()];
}

/** How strongly a set of line words matches a concept: 1 for the exact word, 0.7 for its stem, else 0. */
export function conceptMatch(concept: QueryConcept, words: ReadonlySet<string>, stems: ReadonlySet<string>): number {
  if (words.has(concept.word)) return 1;
  if (stems.has(concept.stem)) return 0.7;
  return 0;
}

/** The words and stems of one line, for matching concepts against it. */
export function lineForms(line: string): { words: Set<string>; stems: Set<string> } {
  const words = new Set(codeWords(line));
  const stems = new Set([...words].map(stem));
  return { words, stems };
}
