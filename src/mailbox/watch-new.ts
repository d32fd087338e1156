/**
 * The reader's wake-up source: a bare fs.watch (inotify on Linux) on new/. A watch event is
 * only a wake-up, and the name it carries only a hint; the listing of new/ stays the truth,
 * and the reader's rescan timer is the safety net for any event that is lost (an inotify
 * queue overflow, a watcher error, a platform without names).
 *
 * Not chokidar: on every event chokidar re-lists new/ and stats each entry before it says
 * which file was added, and it puts a watch on every file in the folder (measured in the
 * latency bench's chokidar row and in the backlog bench's inotify column). One inotify
 * watch on the folder gives the same wake-up, with the file's name, for one read.
 */
import fs from 'node:fs';
import type { Logger } from '../log.js';

/** What a watch event says: a name changed in new/ (added or removed), or something did. */
export type WakeHint = (name: string | undefined) => void;

/** A watcher on one folder; `close()` is idempotent. */
export interface NewDirWatch {
  close(): void;
}

/**
 * Watches `newDir` and calls `wake` with the name of each entry renamed in or out. Returns
 * undefined (after a warning) when no watch can be had, e.g. the inotify watch limit is
 * reached: the reader then runs on its rescan timer alone. A watcher error closes it and
 * calls `onError`, so the reader can try again later.
 */
export function watchNew(newDir: string, wake: WakeHint, logger: Logger, onError: () => void): NewDirWatch | undefined {
  let watcher: fs.FSWatcher;
  try {
    watcher = fs.watch(newDir, { persistent: true }, (_event, name) => wake(typeof name === 'string' ? name : undefined));
  } catch (err) {
    logger.warn({ err }, 'mailbox: cannot watch new/; relying on the rescan timer');
    return undefined;
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    watcher.close();
  };
  watcher.on('error', (err) => {
    logger.warn({ err }, 'mailbox: watcher error; the rescan timer still runs');
    close();
    onError();
  });
  return { close };
}
