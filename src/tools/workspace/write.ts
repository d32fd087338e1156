/** `write_file` for the session workspace, and the safe write helper the editing tools share. */
import { z } from 'zod';
import { openForWrite } from '../paths.js';
import { defineTool } from '../types.js';
import type { ToolContext } from '../types.js';

/** Largest file a single write may produce, in characters. */
export const MAX_WRITE_CHARS = 5_000_000;

/** Writes text to a workspace file through the path jail (O_NOFOLLOW, parents created). */
export async function writeWorkspaceFile(
  ctx: ToolContext,
  userPath: string,
  content: string,
  append = false,
): Promise<{ rel: string; bytes: number }> {
  const { handle, jailed } = await openForWrite(ctx.workspaceDir, userPath, { rootName: 'workspace', append });
  try {
    const data = Buffer.from(content, 'utf8');
    await handle.writeFile(data);
    await handle.sync();
    return { rel: jailed.rel, bytes: data.length };
  } finally {
    await handle.close();
  }
}

export const workspaceWriteFile = defineTool({
  name: 'write_file',
  description:
    'Write a text file in the session workspace, creating folders as needed. Replaces the file ' +
    'unless append is true. The path is relative to the workspace.',
  input: z.object({
    path: z.string().min(1).describe('File path relative to the workspace, e.g. "report.md"'),
    content: z.string().max(MAX_WRITE_CHARS).describe('The full text to write'),
    append: z.boolean().optional().describe('Append to the file instead of replacing it (default false)'),
  }),
  async run(input, ctx) {
    const { rel, bytes } = await writeWorkspaceFile(ctx, input.path, input.content, input.append ?? false);
    return { content: `${input.append ? 'appended' : 'wrote'} ${bytes} bytes to ${rel}` };
  },
});
