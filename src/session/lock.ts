/**
 * The session lock (proper-lockfile on session.json): one live coordinator per session.
 * A live holder is refused by pid; a lock left by a dead coordinator is taken over at once
 * (its pid is gone), or once proper-lockfile deems it stale (the holder stopped updating
 * it, e.g. a paused process). Every takeover bumps the epoch in session.json, fencing off
 * the old owner should it wake up.
 */
import fs from 'node:fs';
import lockfile from 'proper-lockfile';
import { SessionLockedError, StaleEpochError } from '../errors.js';
import { isPidAlive } from '../util/fs.js';
import { sessionPaths } from './layout.js';
import { readSessionRecord, writeSessionRecord } from './store.js';
import type { SessionRecord } from './records.js';

export interface SessionLockOptions {
  /** proper-lockfile's stale threshold; the lock's mtime is refreshed at a third of it. */
  staleMs?: number;
  /** Called if the lock is lost while held (taken over, or its file vanished). */
  onCompromised?: (err: Error) => void;
}

export interface HeldSessionLock {
  epoch: number;
  /** Throws StaleEpochError when another coordinator has taken the session since. */
  assertCurrent(): void;
  release(): Promise<void>;
}

const lockPath = (sessionDir: string) => `${sessionPaths(sessionDir).sessionJson}.lock`;

/**
 * Takes the lock of an existing session. `record` is rewritten with this process's pid and
 * (on a takeover) a bumped epoch.
 */
export async function acquireSessionLock(sessionDir: string, opts: SessionLockOptions = {}): Promise<{ lock: HeldSessionLock; record: SessionRecord; tookOver: boolean; previousPid?: number }> {
  const file = sessionPaths(sessionDir).sessionJson;
  const staleMs = opts.staleMs ?? 10_000;
  let record = await readSessionRecord(sessionDir);
  const previousPid = record.coordinatorPid;
  let tookOver = false;
  if (fs.existsSync(lockPath(sessionDir))) {
    if (previousPid !== process.pid && isPidAlive(previousPid) && !isStale(sessionDir, staleMs)) {
      throw new SessionLockedError(sessionDir, previousPid);
    }
    // The holder is dead (or frozen past the stale threshold): take the lock over.
    fs.rmSync(lockPath(sessionDir), { recursive: true, force: true });
    tookOver = true;
  }
  let compromised = false;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      stale: staleMs,
      update: Math.max(1000, Math.floor(staleMs / 3)),
      realpath: false,
      retries: 0,
      onCompromised: (err) => {
        compromised = true;
        opts.onCompromised?.(err);
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      const again = await readSessionRecord(sessionDir).catch(() => record);
      throw new SessionLockedError(sessionDir, again.coordinatorPid);
    }
    throw err;
  }
  record = await readSessionRecord(sessionDir);
  const epoch = record.epoch + (tookOver || previousPid !== process.pid ? 1 : 0);
  record = { ...record, epoch, coordinatorPid: process.pid };
  await writeSessionRecord(sessionDir, record);
  const lock: HeldSessionLock = {
    epoch,
    assertCurrent() {
      if (compromised) throw new StaleEpochError(`lost the lock of session ${sessionDir}`);
      let current: number | undefined;
      try {
        current = (JSON.parse(fs.readFileSync(file, 'utf8')) as { epoch?: number }).epoch;
      } catch {
        return; // mid-rename: the next check will see it
      }
      if (current !== undefined && current !== epoch) {
        throw new StaleEpochError(`session ${sessionDir} moved to epoch ${current}; this coordinator (epoch ${epoch}) is fenced off`);
      }
    },
    async release() {
      if (compromised) return;
      try {
        await release();
      } catch {
        // Already released or taken over.
      }
    },
  };
  return { lock, record, tookOver, previousPid };
}

function isStale(sessionDir: string, staleMs: number): boolean {
  try {
    return Date.now() - fs.statSync(lockPath(sessionDir)).mtimeMs > staleMs;
  } catch {
    return true;
  }
}
