/** `fetch_url`: a guarded HTTP(S) GET that returns readable text. */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { htmlToText, isHtml } from '../extract.js';
import { looksBinary } from '../fileread.js';
import { defineTool } from '../types.js';

export const DEFAULT_FETCH_TIMEOUT_MS = 15_000;
export const DEFAULT_FETCH_MAX_BYTES = 2 * 1024 * 1024;
export const DEFAULT_FETCH_MAX_REDIRECTS = 5;

/** Content types returned as they are. */
const TEXTUAL =
  /^(text\/[\w.+-]+|application\/(json|[\w.-]+\+json|x-ndjson|xml|[\w.-]+\+xml|javascript|x-javascript|ecmascript|yaml|x-yaml|toml|csv))\s*(;|$)/i;

/** True for the content types fetch_url can turn into text (missing means "sniff"). */
export function acceptContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return isHtml(contentType) || TEXTUAL.test(contentType.trim());
}

/** Decodes a body with the charset the content type names, falling back to UTF-8. */
export function decodeBody(body: Buffer, contentType: string | undefined): string {
  const charset = /charset="?([\w.:-]+)"?/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

export const fetchUrl = defineTool({
  name: 'fetch_url',
  description:
    'Fetch a public web page or text resource over HTTP(S) and return it as readable text ' +
    '(HTML is reduced to its main article text). Private, loopback and cloud-metadata ' +
    'addresses are refused. Time, size and redirects are limited.',
  input: z.object({
    url: z.string().check(z.minLength(1), z.maxLength(4000), z.describe('An absolute http:// or https:// URL')),
  }),
  async run(input, ctx) {
    const s = ctx.settings;
    // Loaded on the first fetch: node:http, https, tls, dns and zlib are some forty built-in
    // modules, which every worker of a role with fetch_url would otherwise load at start.
    const { guardedFetch } = await import('../net/fetch.js');
    const res = await guardedFetch(input.url, {
      allowHosts: s.fetchAllowHosts ?? [],
      resolve: s.resolveHost,
      timeoutMs: s.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
      maxBytes: s.fetchMaxBytes ?? DEFAULT_FETCH_MAX_BYTES,
      maxRedirects: s.fetchMaxRedirects ?? DEFAULT_FETCH_MAX_REDIRECTS,
      signal: ctx.signal,
      accept: acceptContentType,
    });
    if (!res.contentType && looksBinary(res.body)) {
      throw new ToolError(`fetch_url: ${res.url} returned binary data with no content type; refused`, {
        code: 'E_CONTENT_TYPE',
        untrusted: true,
      });
    }
    const raw = decodeBody(res.body, res.contentType);
    const header = [`URL: ${res.url}`];
    if (res.redirectedFrom.length) header.push(`Redirected from: ${res.redirectedFrom.join(' -> ')}`);
    header.push(`Content-Type: ${res.contentType ?? '(none)'}`);
    let text = raw;
    if (isHtml(res.contentType, raw.slice(0, 512))) {
      const extracted = await htmlToText(raw, { url: res.url, timeoutMs: s.htmlTimeoutMs, signal: ctx.signal });
      if (extracted.title) header.push(`Title: ${extracted.title}`);
      if (extracted.note) header.push(`[${extracted.note}; the text was extracted more simply]`);
      text = extracted.text;
    }
    if (res.truncated) header.push(`[body cut at ${res.body.length} bytes: the size limit]`);
    ctx.logger?.debug({ url: res.url, bytes: res.body.length, redirects: res.redirectedFrom.length }, 'fetched');
    return { content: `${header.join('\n')}\n\n${text}`, untrusted: true, source: `fetch_url: ${res.url}` };
  },
});
