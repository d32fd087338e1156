/** `format_document`: format Markdown with prettier's own Markdown parser. */
import { z } from 'zod';
import { ToolError } from '../../errors.js';
import { looksBinary, readHead } from '../fileread.js';
import { resolveInRoot } from '../paths.js';
import { defineTool } from '../types.js';
import { MAX_WRITE_CHARS, writeWorkspaceFile } from '../workspace/write.js';

/** Formats Markdown text (prose line breaks are kept as written). */
export async function formatMarkdown(text: string, printWidth = 100): Promise<string> {
  // Loaded on first use, to keep worker start-up fast for workers that never format.
  const [{ format }, markdownPlugin] = await Promise.all([import('prettier/standalone'), import('prettier/plugins/markdown')]);
  try {
    return await format(text, { parser: 'markdown', plugins: [markdownPlugin], proseWrap: 'preserve', printWidth });
  } catch (err) {
    throw new ToolError(`format_document could not parse the Markdown: ${(err as Error).message}`, { cause: err });
  }
}

export const formatDocument = defineTool({
  name: 'format_document',
  description:
    'Format a Markdown document in the workspace with prettier (headings, lists, tables, code ' +
    'fences, spacing), rewriting the file in place. Give path for a file, or content to get the ' +
    'formatted text back without writing anything.',
  input: z
    .object({
      path: z.string().min(1).optional().describe('Markdown file relative to the workspace, formatted in place'),
      content: z.string().max(MAX_WRITE_CHARS).optional().describe('Markdown text to format and return instead'),
    })
    .refine((v) => (v.path === undefined) !== (v.content === undefined), {
      message: 'give exactly one of path or content',
      path: ['path'],
    }),
  async run(input, ctx) {
    if (input.content !== undefined) return { content: await formatMarkdown(input.content) };
    const jailed = await resolveInRoot(ctx.workspaceDir, input.path!, { rootName: 'workspace' });
    if (!jailed.exists) throw new ToolError(`file not found: ${jailed.rel}`, { code: 'E_NOT_FOUND' });
    const { buf, size } = await readHead(jailed.abs, jailed.rel, MAX_WRITE_CHARS * 4);
    if (size > buf.length) throw new ToolError(`${jailed.rel} is too large to format (${size} bytes)`);
    if (looksBinary(buf)) throw new ToolError(`${jailed.rel} looks like a binary file; refused`);
    const before = buf.toString('utf8');
    const after = await formatMarkdown(before);
    if (after === before) return { content: `${jailed.rel} is already formatted; nothing changed` };
    await writeWorkspaceFile(ctx, jailed.rel, after);
    return { content: `formatted ${jailed.rel} (${before.split('\n').length} -> ${after.split('\n').length} lines)` };
  },
});
