/**
 * Start-up cleanup of a session's state folders: the temporary files of atomic writes
 * whose writer is gone (a kill, or a full disk, between the write and the rename). The
 * mailboxes' tmp/ folders are the mailbox readers' to clean.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { removeStaleTmpFiles } from '../util/fs.js';
import { sessionPaths } from './layout.js';

/** Removes dead writers' temporary files from the session folder, each agent folder, artifacts/ and the lock folder. */
export async function cleanSessionTmpFiles(sessionDir: string): Promise<string[]> {
  const paths = sessionPaths(sessionDir);
  const agents = await fsp.readdir(paths.agents).catch(() => [] as string[]);
  const dirs = [sessionDir, paths.lock, paths.artifacts, ...agents.map((a) => path.join(paths.agents, a))];
  const removed: string[] = [];
  for (const dir of dirs) removed.push(...(await removeStaleTmpFiles(dir)));
  return removed;
}
