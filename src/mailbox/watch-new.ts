/** The reader's wake-up source: chokidar on new/ (a watch event is only a wake-up; the listing is the truth). */
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../log.js';

/**
 * chokidar on new/ alone: depth 0, ignoreInitial, no awaitWriteFinish (the rename makes
 * files whole). Resolves once ready, or after 10 s without: the rescan timer is the safety
 * net, so a watcher that never gets ready must not block the reader.
 */
export async function watchNew(newDir: string, wake: (event: string) => void, logger: Logger): Promise<FSWatcher> {
  const watcher = watch(newDir, { depth: 0, ignoreInitial: true, persistent: true });
  watcher.on('add', () => wake('add'));
  watcher.on('change', () => wake('change'));
  watcher.on('error', (err) => logger.warn({ err }, 'mailbox: watcher error; the rescan timer still runs'));
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      logger.warn('mailbox: watcher not ready after 10 s; relying on the rescan timer');
      resolve();
    }, 10_000);
    watcher.once('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
  return watcher;
}
