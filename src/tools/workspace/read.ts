/** `read_file` for the session workspace (writing, analysis and review roles). */
import * as z from '../../contracts/mini.js';
import { readTextPage } from '../fileread.js';
import { resolveInRoot } from '../paths.js';
import { defineTool } from '../types.js';

/** Paging fields shared by every read_file tool. */
export const pageFields = {
  offset: z.optional(z.number().check(z.int(), z.minimum(1))).check(z.describe('1-based line to start at (default 1)')),
  limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(5000))).check(z.describe('Number of lines to return (default 500)')),
};

export const workspaceReadFile = defineTool({
  name: 'read_file',
  description:
    'Read a text file from the session workspace. The path is relative to the workspace. ' +
    'Long files are returned in pages of lines: pass offset and limit to read further.',
  input: z.object({
    path: z.string().check(z.minLength(1), z.describe('File path relative to the workspace, e.g. "notes/draft.md"')),
    ...pageFields,
  }),
  async run(input, ctx) {
    const jailed = await resolveInRoot(ctx.workspaceDir, input.path, { rootName: 'workspace' });
    const content = await readTextPage(jailed, jailed.rel, input);
    return { content, untrusted: true, source: `read_file: workspace/${jailed.rel}` };
  },
});
