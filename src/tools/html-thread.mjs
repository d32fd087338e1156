// @ts-check
/**
 * HTML to readable text, in a worker thread (see thread.ts and extract.ts): parsing and
 * Readability's scoring are CPU-heavy and superlinear on hostile pages (deeply nested
 * markup), so they never run on the worker's main thread. Plain JavaScript on purpose: a
 * thread loads it with no TypeScript loader.
 *
 * workerData: { html: string, url?: string, mode: 'readability' | 'text' }
 * - readability: Readability (on a linkedom DOM) finds the article; html-to-text turns its
 *   HTML into text with paragraphs, lists and links kept. No article: the whole page as text.
 * - text: only html-to-text over the whole page, navigation chrome skipped (the cheaper
 *   fallback when Readability ran out of time).
 * Posts one message: { type: 'done', value: { title, text, method } }. The host's time limit
 * counts from the thread's creation, library loading included.
 */
import { parentPort, workerData } from 'node:worker_threads';

const CONVERT_OPTIONS = {
  wordwrap: /** @type {false} */ (false),
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

/** @param {string} text */
function tidy(text) {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * @param {string} html
 * @param {string | undefined} url
 * @param {any} Readability
 * @param {(html: string, options: object) => string} convert
 * @param {(html: string) => any} parseHTML
 */
function viaReadability(html, url, Readability, convert, parseHTML) {
  let title;
  try {
    const { document } = parseHTML(html);
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
    const article = new Readability(document, { charThreshold: 200 }).parse();
    if (article?.content) {
      const text = tidy(convert(String(article.content), CONVERT_OPTIONS));
      if (text.length > 0) return { title: article.title?.trim() || title, text, method: 'readability' };
    }
  } catch {
    // Readability is a heuristic over a forgiving DOM; any failure falls back below.
  }
  return { title, text: tidy(convert(html, CONVERT_OPTIONS)), method: 'html-to-text' };
}

async function main() {
  const { html, url, mode } = workerData;
  if (mode === 'text') {
    const { convert } = await import('html-to-text');
    return { title: undefined, text: tidy(convert(html, CONVERT_OPTIONS)), method: 'html-to-text' };
  }
  const [{ Readability }, { convert }, { parseHTML }] = await Promise.all([
    import('@mozilla/readability'),
    import('html-to-text'),
    import('linkedom'),
  ]);
  return viaReadability(html, url, Readability, convert, parseHTML);
}

// A failure (the stack, the heap) ends the thread with an error; the host falls back.
main().then((value) => parentPort?.postMessage({ type: 'done', value }));
