/** `list_files` for the session workspace: a bounded, symlink-aware listing. */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ToolError } from '../../errors.js';
import { escapeOutside } from '../output.js';
import { resolveInRoot } from '../paths.js';
import { defineTool } from '../types.js';

/** Entries listed at most, so a huge tree cannot flood the transcript. */
export const MAX_LIST_ENTRIES = 1000;

export const workspaceListFiles = defineTool({
  name: 'list_files',
  description:
    'List files in the session workspace (recursively by default), with their sizes. ' +
    'Folders end with "/". Symlinks are shown but never followed.',
  input: z.object({
    path: z.string().optional().describe('Folder relative to the workspace (default: the workspace itself)'),
    recursive: z.boolean().optional().describe('Descend into sub-folders (default true)'),
  }),
  async run(input, ctx) {
    let jailed;
    try {
      jailed = await resolveInRoot(ctx.workspaceDir, input.path ?? '.', { rootName: 'workspace' });
    } catch (err) {
      if (err instanceof ToolError && err.code === 'E_NOT_FOUND' && (input.path ?? '.') === '.') {
        return { content: '(the workspace is empty)' };
      }
      throw err;
    }
    if (!jailed.exists) throw new ToolError(`folder not found: ${jailed.rel}`, { code: 'E_NOT_FOUND' });
    const st = await lstat(jailed.abs);
    if (!st.isDirectory()) return { content: `${escapeOutside(jailed.rel, 1000)}  (${st.size} bytes)` };

    const recursive = input.recursive ?? true;
    const lines: string[] = [];
    let more = false;
    const walk = async (abs: string, rel: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(abs, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (lines.length >= MAX_LIST_ENTRIES) {
          more = true;
          return;
        }
        const childRel = rel === '.' ? e.name : `${rel}/${e.name}`;
        const childAbs = path.join(abs, e.name);
        // Names come from whoever wrote the files: escaped, so a newline cannot forge a line.
        const shown = escapeOutside(childRel, 1000);
        if (e.isSymbolicLink()) lines.push(`${shown}  (symlink, not followed)`);
        else if (e.isDirectory()) {
          lines.push(`${shown}/`);
          if (recursive) await walk(childAbs, childRel);
        } else if (e.isFile()) {
          const size = await lstat(childAbs).then((s) => s.size, () => 0);
          lines.push(`${shown}  (${size} bytes)`);
        } else {
          lines.push(`${shown}  (not a regular file)`);
        }
      }
    };
    await walk(jailed.abs, jailed.rel);
    if (lines.length === 0) return { content: `(${jailed.rel === '.' ? 'the workspace' : jailed.rel} is empty)` };
    if (more) lines.push(`[listing stopped at ${MAX_LIST_ENTRIES} entries]`);
    return { content: lines.join('\n'), untrusted: true, source: `list_files: workspace/${jailed.rel}` };
  },
});
