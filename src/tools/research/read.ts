/** `read_file` for the research role: the source folder, or the workspace via `workspace/`. */
import * as z from '../../contracts/mini.js';
import { readTextPage } from '../fileread.js';
import { defineTool } from '../types.js';
import { pageFields } from '../workspace/read.js';
import { locateResearchPath } from './locate.js';

export const researchReadFile = defineTool({
  name: 'read_file',
  description:
    'Read a text file. A path relative to the source folder reads the source folder; a path ' +
    'starting with "workspace/" reads the session workspace. Long files are returned in pages ' +
    'of lines: pass offset and limit to read further.',
  input: z.object({
    path: z.string().check(z.minLength(1), z.describe('e.g. "docs/intro.md" (source folder) or "workspace/notes.md"')),
    ...pageFields,
  }),
  async run(input, ctx) {
    const loc = await locateResearchPath(ctx, input.path);
    const content = await readTextPage(loc, loc.display, input);
    return { content, untrusted: true, source: `read_file: ${loc.display}` };
  },
});
