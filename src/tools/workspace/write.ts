/** `write_file` for the session workspace, and the safe write helper the editing tools share. */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { makeParentsInside } from '../folders.js';
import { checkedParent, openForWriteChecked } from '../open.js';
import { resolveInRoot } from '../paths.js';
import { defineTool } from '../types.js';
import type { ToolContext } from '../types.js';

/** Largest text one write_file call takes, in characters. */
export const MAX_WRITE_CHARS = 5_000_000;
/** Largest file any write may leave behind (write, append, edit, format), in bytes. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

function tooBig(rel: string, bytes: number): ToolError {
  return new ToolError(`"${rel}" would be ${bytes} bytes; the limit for one workspace file is ${MAX_FILE_BYTES} bytes; nothing written`, {
    code: 'E_TOO_LARGE',
  });
}

/**
 * Writes text to a workspace file through the path jail: parents created inside the root,
 * the file opened without following symlinks and checked after opening (see open.ts),
 * one size cap for every way of writing (appends included), hard-linked files refused.
 */
export async function writeWorkspaceFile(
  ctx: ToolContext,
  userPath: string,
  content: string,
  append = false,
): Promise<{ rel: string; bytes: number }> {
  const jailed = await resolveInRoot(ctx.workspaceDir, userPath, { rootName: 'workspace', createRoot: true });
  if (jailed.rel === '.') throw new ToolError('cannot write to the workspace folder itself; name a file', { code: 'E_PATH' });
  const data = Buffer.from(content, 'utf8');
  if (data.length > MAX_FILE_BYTES) throw tooBig(jailed.rel, data.length);
  await makeParentsInside(jailed, jailed.rel);
  const target = await checkedParent(jailed, jailed.rel);
  const { handle, size } = await openForWriteChecked({ ...jailed, abs: target }, jailed.rel, append);
  try {
    if (append && size + data.length > MAX_FILE_BYTES) throw tooBig(jailed.rel, size + data.length);
    if (!append) await handle.truncate(0);
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
    path: z.string().check(z.minLength(1), z.describe('File path relative to the workspace, e.g. "report.md"')),
    content: z.string().check(z.maxLength(MAX_WRITE_CHARS), z.describe('The full text to write')),
    append: z.optional(z.boolean()).check(z.describe('Append to the file instead of replacing it (default false)')),
  }),
  async run(input, ctx) {
    const { rel, bytes } = await writeWorkspaceFile(ctx, input.path, input.content, input.append ?? false);
    return { content: `${input.append ? 'appended' : 'wrote'} ${bytes} bytes to ${rel}` };
  },
});
