/**
 * HTML to readable text, shared by `fetch_url` and `extract_text`. Readability (on a
 * linkedom DOM) finds the article; html-to-text turns its HTML into text with paragraphs,
 * lists and links kept. When Readability finds no article, the whole page goes through
 * html-to-text with navigation chrome skipped.
 */

/**
 * The HTML libraries load on first use: they cost hundreds of milliseconds to import, and
 * most workers never read a web page. Worker start-up time is paid by every subtask.
 */
async function libraries() {
  const [{ Readability }, { convert }, { parseHTML }] = await Promise.all([
    import('@mozilla/readability'),
    import('html-to-text'),
    import('linkedom'),
  ]);
  return { Readability, convert, parseHTML };
}

/** Pages bigger than this are cut before parsing (parsing cost grows with size). */
export const MAX_HTML_CHARS = 5_000_000;

export interface ExtractedText {
  title: string | undefined;
  text: string;
  /** `readability` when an article was found, else `html-to-text`. */
  method: 'readability' | 'html-to-text';
}

const CONVERT_OPTIONS = {
  wordwrap: false as const,
  selectors: [
    { selector: 'a', options: { ignoreHref: false, hideLinkHrefIfSameAsText: true } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'noscript', format: 'skip' },
    { selector: 'nav', format: 'skip' },
    { selector: 'footer', format: 'skip' },
    { selector: 'form', format: 'skip' },
    { selector: 'svg', format: 'skip' },
  ],
};

function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Extracts the readable text of an HTML document. `url` helps Readability resolve links. */
export async function htmlToText(html: string, url?: string): Promise<ExtractedText> {
  const { Readability, convert, parseHTML } = await libraries();
  const source = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
  let title: string | undefined;
  try {
    const { document } = parseHTML(source);
    title = document.querySelector('title')?.textContent?.trim() || undefined;
    if (url) {
      // Readability reads documentURI/baseURI to resolve relative links; linkedom leaves them empty.
      try {
        Object.defineProperty(document, 'documentURI', { value: url, configurable: true });
        Object.defineProperty(document, 'baseURI', { value: url, configurable: true });
      } catch {
        /* not needed for the text */
      }
    }
    const article = new Readability(document as never, { charThreshold: 200 }).parse();
    if (article?.content) {
      const text = tidy(convert(String(article.content), CONVERT_OPTIONS));
      if (text.length > 0) {
        return { title: article.title?.trim() || title, text, method: 'readability' };
      }
    }
  } catch {
    // Readability is a heuristic over a forgiving DOM; any failure falls back below.
  }
  return { title, text: tidy(convert(source, CONVERT_OPTIONS)), method: 'html-to-text' };
}

/** True when a content type (or a sniffed head) means HTML. */
export function isHtml(contentType: string | undefined, head?: string): boolean {
  if (contentType) return /^(text\/html|application\/xhtml\+xml)\b/i.test(contentType);
  return head !== undefined && /^\s*(<!doctype html|<html|<head|<body)/i.test(head);
}
