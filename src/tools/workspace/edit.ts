/** `edit_file`: replace one unique string in a workspace file. */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { looksBinary, readHead } from '../fileread.js';
import { resolveInRoot } from '../paths.js';
import { defineTool } from '../types.js';
import { MAX_FILE_BYTES, MAX_WRITE_CHARS, writeWorkspaceFile } from './write.js';

/** Counts non-overlapping occurrences of `needle` in `hay`. */
export function countOccurrences(hay: string, needle: string): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + needle.length)) n++;
  return n;
}

export const workspaceEditFile = defineTool({
  name: 'edit_file',
  description:
    'Replace one exact string in a workspace file. old_string must occur exactly once: ' +
    'include enough surrounding text to make it unique.',
  input: z.object({
    path: z.string().check(z.minLength(1), z.describe('File path relative to the workspace')),
    old_string: z.string().check(z.minLength(1), z.describe('The exact text to replace; it must occur exactly once')),
    new_string: z.string().check(z.maxLength(MAX_WRITE_CHARS), z.describe('The replacement text')),
  }),
  async run(input, ctx) {
    const jailed = await resolveInRoot(ctx.workspaceDir, input.path, { rootName: 'workspace' });
    if (!jailed.exists) throw new ToolError(`file not found: ${jailed.rel}`, { code: 'E_NOT_FOUND' });
    const { buf, size } = await readHead(jailed, jailed.rel, MAX_FILE_BYTES);
    if (size > buf.length) throw new ToolError(`"${jailed.rel}" is too large to edit (${size} bytes)`);
    if (looksBinary(buf)) throw new ToolError(`"${jailed.rel}" looks like a binary file; refused`);
    const text = buf.toString('utf8');
    const n = countOccurrences(text, input.old_string);
    if (n === 0) throw new ToolError(`old_string was not found in ${jailed.rel}; nothing changed`);
    if (n > 1) {
      throw new ToolError(
        `old_string occurs ${n} times in ${jailed.rel}; include more surrounding text so it matches exactly once`,
      );
    }
    const at = text.indexOf(input.old_string);
    const next = text.slice(0, at) + input.new_string + text.slice(at + input.old_string.length);
    await writeWorkspaceFile(ctx, jailed.rel, next);
    const line = text.slice(0, at).split('\n').length;
    return { content: `edited ${jailed.rel}: replaced 1 occurrence at line ${line}` };
  },
});
