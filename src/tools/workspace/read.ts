/** `read_file` for the session workspace (writing, analysis and review roles). */
import { z } from 'zod';
import { readTextPage } from '../fileread.js';
import { resolveInRoot } from '../paths.js';
import { defineTool } from '../types.js';

/** Paging fields shared by every read_file tool. */
export const pageFields = {
  offset: z.number().int().min(1).optional().describe('1-based line to start at (default 1)'),
  limit: z.number().int().min(1).max(5000).optional().describe('Number of lines to return (default 500)'),
};

export const workspaceReadFile = defineTool({
  name: 'read_file',
  description:
    'Read a text file from the session workspace. The path is relative to the workspace. ' +
    'Long files are returned in pages of lines: pass offset and limit to read further.',
  input: z.object({
    path: z.string().min(1).describe('File path relative to the workspace, e.g. "notes/draft.md"'),
    ...pageFields,
  }),
  async run(input, ctx) {
    const jailed = await resolveInRoot(ctx.workspaceDir, input.path, { rootName: 'workspace' });
    const content = await readTextPage(jailed, jailed.rel, input);
    return { content, untrusted: true, source: `read_file: workspace/${jailed.rel}` };
  },
});
