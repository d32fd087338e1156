/**
 * HTML to readable text, shared by `fetch_url` and `extract_text`. The work runs in a
 * bounded worker thread (html-thread.mjs), never on the worker's main thread: Readability
 * on a hostile page (thousands of nested elements) can take minutes. In order:
 * 1. Readability on a linkedom DOM, then html-to-text over the article (time-limited);
 * 2. when that runs out of time or memory: html-to-text over the whole page (time-limited);
 * 3. when that fails too: a linear tag strip, which cannot be slow.
 */
import { ToolError } from '../errors.js';
import { DEFAULT_THREAD_RESOURCE_LIMITS, runInThread } from './thread.js';

/** Pages bigger than this are cut before parsing (parsing cost grows with size). */
export const MAX_HTML_CHARS = 5_000_000;
/** Time for each extraction step (Readability, then the html-to-text fallback), in ms. */
export const DEFAULT_HTML_TIMEOUT_MS = 5_000;

export interface ExtractedText {
  title: string | undefined;
  text: string;
  /** `readability` when an article was found, `html-to-text` for the whole page, `stripped` last. */
  method: 'readability' | 'html-to-text' | 'stripped';
  /** Why an earlier step was skipped, when one was (e.g. "Readability stopped at the time limit"). */
  note?: string;
}

export interface ExtractOptions {
  /** Resolves relative links. */
  url?: string | undefined;
  /** Time per step, in ms (default DEFAULT_HTML_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

const THREAD_URL = new URL('./html-thread.mjs', import.meta.url);

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
/** Elements whose content is not text. */
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg']);
/** Elements that break a line. */
const BLOCKS = new Set(['p', 'div', 'br', 'li', 'tr', 'section', 'article', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote']);

/**
 * The last resort: drops tags, comments, scripts and styles in one forward scan. Every
 * search starts where the previous one stopped, so hostile input (unclosed tags or
 * comments by the million) stays linear, which regular expressions would not.
 */
export function stripTags(html: string): string {
  const lower = html.toLowerCase();
  const parts: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      parts.push(html.slice(i));
      break;
    }
    parts.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) break;
      i = end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    const name = /^\/?([a-z][a-z0-9-]*)/.exec(lower.slice(lt + 1, Math.min(gt, lt + 40)))?.[1] ?? '';
    const closing = lower[lt + 1] === '/';
    i = gt + 1;
    if (!closing && SKIPPED.has(name)) {
      const close = lower.indexOf(`</${name}`, i);
      if (close < 0) break;
      const closeEnd = html.indexOf('>', close);
      if (closeEnd < 0) break;
      i = closeEnd + 1;
    }
    parts.push(BLOCKS.has(name) ? '\n' : ' ');
  }
  return parts
    .join('')
    .replace(/&(amp|lt|gt|quot|apos|nbsp);/g, (_m, name: string) => ENTITIES[name] ?? '')
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n\s*/g, (m) => (m.split('\n').length > 2 ? '\n\n' : '\n'))
    .trim();
}

/** The page's `<title>`, found without parsing (in the head only). */
function titleOf(html: string): string | undefined {
  const m = /<title[^>]*>([^<]{0,500})<\/title>/i.exec(html.slice(0, 65_536));
  return m?.[1]?.replace(/\s+/g, ' ').trim() || undefined;
}

/** Extracts the readable text of an HTML document, off the main thread, within its time limits. */
export async function htmlToText(html: string, opts: ExtractOptions = {}): Promise<ExtractedText> {
  const source = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HTML_TIMEOUT_MS;
  // html-to-text walks the tree recursively: a deep stack lets it through deep markup
  // (deeper still overflows, and the tag strip takes over).
  const limits = { timeoutMs, signal: opts.signal, resourceLimits: { ...DEFAULT_THREAD_RESOURCE_LIMITS, stackSizeMb: 64 } };
  const full = await runInThread<ExtractedText>(THREAD_URL, { html: source, url: opts.url, mode: 'readability' }, limits);
  if (full.ok) return full.value;
  if (full.kind === 'cancelled') throw new ToolError(full.message);
  const note = `Readability gave up (${full.message})`;
  const text = await runInThread<ExtractedText>(THREAD_URL, { html: source, mode: 'text' }, limits);
  if (text.ok) return { ...text.value, title: titleOf(source), note };
  if (text.kind === 'cancelled') throw new ToolError(text.message);
  return { title: titleOf(source), text: stripTags(source), method: 'stripped', note: `${note}; html-to-text gave up too (${text.message})` };
}

/** True when a content type (or a sniffed head) means HTML. */
export function isHtml(contentType: string | undefined, head?: string): boolean {
  if (contentType) return /^(text\/html|application\/xhtml\+xml)\b/i.test(contentType);
  return head !== undefined && /^\s*(<!doctype html|<html|<head|<body)/i.test(head);
}
