/** `list_files` for the session workspace: a bounded, symlink-aware listing. */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { readFolderInside, type FolderEntry } from '../folders.js';
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
    path: z.optional(z.string()).check(z.describe('Folder relative to the workspace (default: the workspace itself)')),
    recursive: z.optional(z.boolean()).check(z.describe('Descend into sub-folders (default true)')),
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
      let entries: FolderEntry[];
      try {
        entries = await readFolderInside(jailed.root, 'workspace', abs, rel);
      } catch (err) {
        // The top folder is the question asked: its refusal is the answer. Below it, a
        // folder that now leads outside is shown as refused, and the rest still listed.
        if (rel === jailed.rel) throw err;
        if (err instanceof ToolError && err.code === 'E_PATH_SYMLINK') lines.push(`${escapeOutside(rel, 1000)}/  (refused: it now leads outside the workspace)`);
        return;
      }
      for (const e of entries) {
        if (lines.length >= MAX_LIST_ENTRIES) {
          more = true;
          return;
        }
        const childRel = rel === '.' ? e.name : `${rel}/${e.name}`;
        // Names come from whoever wrote the files: escaped, so a newline cannot forge a line.
        const shown = escapeOutside(childRel, 1000);
        if (e.kind === 'symlink') lines.push(`${shown}  (symlink, not followed)`);
        else if (e.kind === 'folder') {
          lines.push(`${shown}/`);
          if (recursive) await walk(path.join(abs, e.name), childRel);
        } else if (e.kind === 'file') lines.push(`${shown}  (${e.size} bytes)`);
        else lines.push(`${shown}  (not a regular file)`);
      }
    };
    await walk(jailed.abs, jailed.rel);
    if (lines.length === 0) return { content: `(${jailed.rel === '.' ? 'the workspace' : jailed.rel} is empty)` };
    if (more) lines.push(`[listing stopped at ${MAX_LIST_ENTRIES} entries]`);
    return { content: lines.join('\n'), untrusted: true, source: `list_files: workspace/${jailed.rel}` };
  },
});
