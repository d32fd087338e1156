/** `extract_text`: the fetch_url HTML extraction, for a file already on disk. */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { htmlToText, isHtml } from '../extract.js';
import { looksBinary, readHead } from '../fileread.js';
import { defineTool } from '../types.js';
import { locateResearchPath } from './locate.js';

/** Largest HTML file extract_text reads. */
export const MAX_EXTRACT_BYTES = 5 * 1024 * 1024;

export const extractText = defineTool({
  name: 'extract_text',
  description:
    'Extract the readable text of an HTML file (the main article, or the whole page as text). ' +
    'A path starting with "workspace/" names a file in the session workspace; any other ' +
    'relative path names a file in the source folder.',
  input: z.object({
    path: z.string().check(z.minLength(1), z.describe('e.g. "workspace/page.html" or "docs/page.html"')),
  }),
  async run(input, ctx) {
    const loc = await locateResearchPath(ctx, input.path);
    const { buf, size } = await readHead(loc, loc.display, MAX_EXTRACT_BYTES);
    if (looksBinary(buf)) throw new ToolError(`"${loc.display}" looks like a binary file; refused`);
    const raw = buf.toString('utf8');
    const header = [`File: ${loc.display}`];
    let text = raw;
    if (isHtml(undefined, raw.slice(0, 512)) || /\.x?html?$/i.test(loc.display) || /<\/?(p|div|body|article)\b/i.test(raw)) {
      const extracted = await htmlToText(raw, { timeoutMs: ctx.settings.htmlTimeoutMs, signal: ctx.signal });
      if (extracted.title) header.push(`Title: ${extracted.title}`);
      if (extracted.note) header.push(`[${extracted.note}; the text was extracted more simply]`);
      text = extracted.text;
    } else {
      header.push('(not HTML: returned as is)');
    }
    if (size > buf.length) header.push(`[file cut at ${buf.length} of ${size} bytes]`);
    return { content: `${header.join('\n')}\n\n${text}`, untrusted: true, source: `extract_text: ${loc.display}` };
  },
});
