/** Text helpers for the offline model: keywords, sentences, slugs. Deterministic. */

const STOPWORDS = new Set(
  `a an and are as at be by for from has have how i in into is it its of on or our so that the their then this these those to up was were what when where which who why will with write report short summary summarize summarise code folder folder's this's make give find about up it's do does using use via all any each more most some such than them they we you your research analyze analyse review check draft compose technical explain describe document gather material note notes brief done work works`.split(
    /\s+/,
  ),
);

/** Content words of a text, lower-cased, stop words removed, in first-seen order. */
export function keywords(text: string, max = 6): string[] {
  const seen = new Set<string>();
  for (const raw of text.toLowerCase().match(/[a-z][a-z0-9_-]{2,}/g) ?? []) {
    const w = raw.replace(/(?:'s)$/, '');
    if (STOPWORDS.has(w) || seen.has(w)) continue;
    seen.add(w);
    if (seen.size >= max) break;
  }
  return [...seen];
}

/** A short kebab-case slug from a text's keywords. */
export function slug(text: string, words = 2): string {
  return keywords(text, words).join('-').slice(0, 30).replace(/-+$/, '') || 'task';
}

/** Rough token count (4 characters a token), so offline usage is not zero. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Sentences or lines of a text, trimmed, non-empty. */
export function sentences(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?])\s+(?=[A-Z`*_-])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Upper-cases the first letter. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
