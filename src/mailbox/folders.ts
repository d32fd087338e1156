/**
 * The reader's moves between Maildir folders and its checks of them: a missing cur/,
 * dead/ or tmp/ is recreated and said, never mistaken for a message that vanished.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { parseMessageFileName } from './maildir.js';

/** Creates a Maildir folder that went missing; says whether it had to. */
export async function recreateFolder(dir: string): Promise<boolean> {
  try {
    await fsp.mkdir(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Recreates (loudly) any of the given folders that is missing. Synchronous: three mkdir
 * calls that fail with EEXIST, on every reader's way to its first pass.
 */
export function checkFolders(dirs: string[], logger: Logger): void {
  for (const dir of dirs) {
    if (recreateFolderSync(dir)) logger.error({ folder: path.basename(dir) }, `mailbox: ${path.basename(dir)}/ was missing; recreated it`);
  }
}

/**
 * new/ → cur/, synchronously (one rename in one folder of the same mailbox: it never waits
 * on anything slow, and an awaited rename costs a thread-pool round trip per message).
 * ENOENT is "vanished" only when cur/ is there: a missing cur/ is recreated, loudly, and
 * the ack retried.
 */
export function ackToCur(newDir: string, curDir: string, name: string, logger: Logger): void {
  const move = () => fs.renameSync(path.join(newDir, name), path.join(curDir, name));
  try {
    move();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (recreateFolderSync(curDir)) {
      logger.error({ file: name }, 'mailbox: cur/ was missing at an ack; recreated it (its history is lost)');
      move();
      return;
    }
    logger.warn({ file: name }, 'mailbox: file vanished before its ack');
  }
}

function recreateFolderSync(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The ids in cur/'s file names: the messages this mailbox has handled. */
export function handledIdsIn(curDir: string): string[] {
  const ids: string[] = [];
  // One synchronous listing, once per reader start.
  for (const name of fs.readdirSync(curDir)) {
    const parsed = parseMessageFileName(name);
    if (parsed) ids.push(parsed.id);
  }
  return ids;
}
