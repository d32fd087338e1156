/**
 * Start-up cleanup of tmp/: a sender's file is removed only when its writer is gone (the
 * pid in its name is dead) or when it is very old. A stalled sender (SIGSTOPped, swapped
 * out) keeps its file, so its rename into new/ still works when it wakes.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { isPidAlive } from '../util/fs.js';
import { TMP_MAX_AGE_MS, tmpWriterPid } from './maildir.js';

/** Removes the tmp/ leftovers of senders that are gone; returns how many it removed. */
export async function cleanTmp(tmpDir: string, logger: Logger, maxAgeMs = TMP_MAX_AGE_MS): Promise<number> {
  let names: string[];
  try {
    names = await fsp.readdir(tmpDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const cutoff = Date.now() - maxAgeMs;
  let removed = 0;
  for (const name of names) {
    const file = path.join(tmpDir, name);
    try {
      const pid = tmpWriterPid(name);
      const writerGone = pid !== undefined && pid !== process.pid && !isPidAlive(pid);
      if (!writerGone) {
        // The writer may be alive (or unknown): only age can tell a leftover from a slow send.
        const st = await fsp.lstat(file);
        if (st.mtimeMs >= cutoff) continue;
      }
      await fsp.rm(file, { recursive: true, force: true });
      removed++;
      logger.info({ file: name, writerGone }, 'mailbox: removed a tmp/ leftover');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ err, file: name }, 'mailbox: could not clean tmp/ entry');
    }
  }
  return removed;
}
