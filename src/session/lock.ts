/**
 * The session lock: one live coordinator per session, and a unique epoch per owner.
 *
 * Every owner claims an epoch by creating `session.lock/epoch-<n>.json` exclusively (a
 * fully written temporary file hard-linked to that name, so the claim appears whole or not
 * at all). The highest claim is the lock:
 * - held while its process lives and keeps touching the claim's mtime;
 * - free once its owner released it (`epoch-<n>.released`), died, or stopped touching it
 *   for the stale threshold (a frozen process).
 *
 * A taker claims n+1. Two takers that both saw n free race on the same name: exactly one
 * link succeeds, and the other is refused, naming the winner's pid. Nothing is ever
 * removed to take a lock over, so no taker can delete another's lock; and an old owner is
 * fenced off as soon as a higher claim exists. The epoch is mirrored into session.json,
 * where workers and senders read it.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../util/ids.js';
import { SessionLockedError, StaleEpochError } from '../errors.js';
import { isPidAlive } from '../util/fs.js';
import { sessionPaths } from './layout.js';
import { cleanSessionTmpFiles } from './tmpfiles.js';
import { readSessionRecord, writeSessionRecord } from './store.js';
import type { SessionRecord } from './records.js';

export interface SessionLockOptions {
  /** A claim untouched for this long counts as abandoned; it is touched at a third of it. */
  staleMs?: number;
  /** Called once if the lock is lost while held (a higher epoch was claimed, or the claim vanished). */
  onCompromised?: (err: Error) => void;
  /** Test seam: runs after the current epoch is read and before the next one is claimed. */
  beforeClaim?: () => Promise<void>;
}

export interface HeldSessionLock {
  epoch: number;
  /** Throws StaleEpochError when another coordinator has taken the session since. */
  assertCurrent(): void;
  release(): Promise<void>;
}

interface Claim {
  epoch: number;
  pid: number;
  token: string;
  at: string;
}

/** `<session>/session.lock/`: one claim file per epoch ever owned. */
export function sessionLockDir(sessionDir: string): string {
  return sessionPaths(sessionDir).lock;
}

const CLAIM_RE = /^epoch-(\d{8})\.json$/;
const pad = (n: number) => String(n).padStart(8, '0');
const claimFile = (dir: string, epoch: number) => path.join(dir, `epoch-${pad(epoch)}.json`);
const releasedFile = (dir: string, epoch: number) => path.join(dir, `epoch-${pad(epoch)}.released`);

/** The highest claim and its state, or undefined when no epoch was ever claimed. */
function topClaim(dir: string): { claim: Claim; released: boolean; mtimeMs: number } | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const epochs = names.map((n) => CLAIM_RE.exec(n)?.[1]).filter((m): m is string => m !== undefined).map(Number);
  if (epochs.length === 0) return undefined;
  const epoch = Math.max(...epochs);
  const file = claimFile(dir, epoch);
  let claim: Claim;
  try {
    claim = JSON.parse(fs.readFileSync(file, 'utf8')) as Claim;
  } catch {
    // Claims appear whole (see the link below), so this one was damaged later: nobody's.
    claim = { epoch, pid: -1, token: '', at: '' };
  }
  claim.epoch = epoch;
  return { claim, released: fs.existsSync(releasedFile(dir, epoch)), mtimeMs: fs.statSync(file).mtimeMs };
}

/**
 * Takes the lock of an existing session. `record` is rewritten with this process's pid and
 * the epoch it claimed.
 */
export async function acquireSessionLock(sessionDir: string, opts: SessionLockOptions = {}): Promise<{ lock: HeldSessionLock; record: SessionRecord; tookOver: boolean; previousPid?: number }> {
  const staleMs = opts.staleMs ?? 10_000;
  const dir = sessionLockDir(sessionDir);
  let record = await readSessionRecord(sessionDir);
  const previousPid = record.coordinatorPid;
  await fsp.mkdir(dir, { recursive: true });

  const top = topClaim(dir);
  let next: number;
  let tookOver = false;
  if (top) {
    if (!top.released) {
      const fresh = Date.now() - top.mtimeMs <= staleMs;
      if (top.claim.pid > 0 && isPidAlive(top.claim.pid) && fresh) throw new SessionLockedError(sessionDir, top.claim.pid);
      // Its owner died (or froze past the stale threshold) without releasing it.
      tookOver = true;
    }
    next = top.claim.epoch + 1;
  } else {
    // No claim yet: the session's creator takes its first epoch; anyone else comes after it.
    if (previousPid !== process.pid && isPidAlive(previousPid)) throw new SessionLockedError(sessionDir, previousPid);
    next = previousPid === process.pid ? record.epoch : record.epoch + 1;
    tookOver = previousPid !== process.pid;
  }

  await opts.beforeClaim?.();
  const token = newId(12);
  const file = claimFile(dir, next);
  const tmp = path.join(dir, `.claim.${process.pid}.${newId(6)}.tmp`);
  const claim: Claim = { epoch: next, pid: process.pid, token, at: new Date().toISOString() };
  await fsp.writeFile(tmp, JSON.stringify(claim) + '\n');
  try {
    // link() fails with EEXIST if the name exists: an exclusive create of a whole file.
    await fsp.link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = JSON.parse(await fsp.readFile(file, 'utf8').catch(() => '{}')) as Partial<Claim>;
    throw new SessionLockedError(sessionDir, winner.pid);
  } finally {
    await fsp.rm(tmp, { force: true });
  }

  record = { ...(await readSessionRecord(sessionDir)), epoch: next, coordinatorPid: process.pid };
  await writeSessionRecord(sessionDir, record);
  // Whatever temporary files dead writers left (a kill mid-write) are garbage now.
  await cleanSessionTmpFiles(sessionDir);
  return { lock: holdClaim(dir, sessionDir, claim, staleMs, opts.onCompromised), record, tookOver, previousPid };
}

/** Keeps a won claim fresh, and notices when a higher epoch fences it off. */
function holdClaim(dir: string, sessionDir: string, claim: Claim, staleMs: number, onCompromised?: (err: Error) => void): HeldSessionLock {
  const file = claimFile(dir, claim.epoch);
  let lost: Error | undefined;
  let released = false;
  const superseded = (): Error | undefined => {
    if (fs.existsSync(claimFile(dir, claim.epoch + 1))) {
      return new StaleEpochError(`session ${sessionDir} was taken over at epoch ${claim.epoch + 1}; this coordinator (epoch ${claim.epoch}) is fenced off`);
    }
    if (!fs.existsSync(file)) return new StaleEpochError(`lost the lock of session ${sessionDir}: its claim file vanished`);
    return undefined;
  };
  const touch = setInterval(() => {
    if (lost || released) return;
    const err = superseded();
    if (err) {
      lost = err;
      clearInterval(touch);
      onCompromised?.(err);
      return;
    }
    const now = new Date();
    fs.utimes(file, now, now, () => undefined);
  }, Math.max(1000, Math.floor(staleMs / 3)));
  touch.unref();
  return {
    epoch: claim.epoch,
    assertCurrent() {
      if (lost) throw lost;
      const err = superseded();
      if (err) throw (lost = err);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(touch);
      if (lost || superseded()) return;
      await fsp.writeFile(releasedFile(dir, claim.epoch), `${process.pid}\n`, { flag: 'wx' }).catch(() => undefined);
    },
  };
}
