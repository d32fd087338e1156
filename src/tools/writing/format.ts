/**
 * `format_document`: format Markdown with prettier's own Markdown parser, in a bounded
 * worker thread (format-thread.mjs): pathological Markdown can stall prettier for seconds.
 */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { looksBinary, readHead } from '../fileread.js';
import { resolveInRoot } from '../paths.js';
import { runInThread } from '../thread.js';
import { defineTool } from '../types.js';
import type { ToolContext } from '../types.js';
import { writeWorkspaceFile } from '../workspace/write.js';

/** Largest document formatted, in characters (prettier's cost grows fast with hostile input). */
export const MAX_FORMAT_CHARS = 256 * 1024;
/** Time for one format, in ms. */
export const DEFAULT_FORMAT_TIMEOUT_MS = 5_000;

const THREAD_URL = new URL('./format-thread.mjs', import.meta.url);

/** Formats Markdown text (prose line breaks are kept as written), off the main thread. */
export async function formatMarkdown(
  text: string,
  opts: { printWidth?: number; timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
): Promise<string> {
  const out = await runInThread<{ ok: true; text: string } | { ok: false; message: string }>(
    THREAD_URL,
    { text, printWidth: opts.printWidth ?? 100 },
    { timeoutMs: opts.timeoutMs ?? DEFAULT_FORMAT_TIMEOUT_MS, signal: opts.signal },
  );
  if (!out.ok) throw new ToolError(`format_document gave up: ${out.message}`, { code: `E_FORMAT_${out.kind.toUpperCase()}` });
  // The parser's message quotes the document.
  if (!out.value.ok) throw new ToolError(`format_document could not parse the Markdown: ${out.value.message}`, { untrusted: true });
  return out.value.text;
}

const formatOptions = (ctx: ToolContext) => ({ timeoutMs: ctx.settings.formatTimeoutMs, signal: ctx.signal });

export const formatDocument = defineTool({
  name: 'format_document',
  description:
    'Format a Markdown document in the workspace with prettier (headings, lists, tables, code ' +
    'fences, spacing), rewriting the file in place. Give path for a file, or content to get the ' +
    'formatted text back without writing anything.',
  input: z
    .object({
      path: z.optional(z.string().check(z.minLength(1))).check(z.describe('Markdown file relative to the workspace, formatted in place')),
      content: z.optional(z.string().check(z.maxLength(MAX_FORMAT_CHARS))).check(z.describe('Markdown text to format and return instead')),
    })
    .check(
      z.refine((v) => (v.path === undefined) !== (v.content === undefined), {
        message: 'give exactly one of path or content',
        path: ['path'],
      }),
    ),
  async run(input, ctx) {
    if (input.content !== undefined) return { content: await formatMarkdown(input.content, formatOptions(ctx)) };
    const jailed = await resolveInRoot(ctx.workspaceDir, input.path!, { rootName: 'workspace' });
    if (!jailed.exists) throw new ToolError(`file not found: ${jailed.rel}`, { code: 'E_NOT_FOUND' });
    const { buf, size } = await readHead(jailed, jailed.rel, MAX_FORMAT_CHARS * 4);
    if (size > buf.length) throw new ToolError(`${jailed.rel} is too large to format (${size} bytes)`);
    if (looksBinary(buf)) throw new ToolError(`${jailed.rel} looks like a binary file; refused`);
    const before = buf.toString('utf8');
    if (before.length > MAX_FORMAT_CHARS) {
      throw new ToolError(`${jailed.rel} is too large to format (${before.length} characters; the limit is ${MAX_FORMAT_CHARS})`);
    }
    const after = await formatMarkdown(before, formatOptions(ctx));
    if (after === before) return { content: `${jailed.rel} is already formatted; nothing changed` };
    await writeWorkspaceFile(ctx, jailed.rel, after);
    return { content: `formatted ${jailed.rel} (${before.split('\n').length} -> ${after.split('\n').length} lines)` };
  },
});
