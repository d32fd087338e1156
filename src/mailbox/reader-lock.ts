/**
 * The reader lock: one reader per mailbox, with an ownership each reader can prove.
 *
 * The lock is a set of generation files `reader.lock.<gen>` in the mailbox dir. Each is
 * created exclusively (a hard link of a complete temp file, so it is never seen empty) and
 * holds its owner's pid and a random token. The highest generation is the lock: a reader
 * owns it while its own generation is the highest one there.
 * - Takeover creates generation max+1 exclusively. Of two simultaneous takeovers exactly
 *   one wins; the other gets EEXIST and is refused. Nothing is removed before that create
 *   succeeded, and then only lower generations.
 * - Release rewrites the reader's own file as released, and only while it is still the
 *   highest; a taken-over reader touches nothing. The file stays, so generations only grow.
 * - There is no exit hook: a crashed owner's pid is dead, which makes its lock stale.
 * - A lock is stale when released, when its pid is dead, or when its owner has not
 *   refreshed it for `staleMs` (a reused pid). A date in the future is not freshness: a
 *   dead owner's lock is stale whatever its date.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../util/ids.js';
import { MailboxLockedError } from '../errors.js';
import type { Logger } from '../log.js';
import { isPidAlive } from '../util/fs.js';
import { READER_LOCK_NAME } from './maildir.js';

/** What a generation file holds. */
export interface ReaderLockRecord {
  pid: number;
  token: string;
  agent: string;
  since: string;
  released?: boolean;
}

/** Test seams between the lock's steps (see MailboxReaderOptions.seams). */
export interface ReaderLockSeams {
  /** After the current lock was inspected (and judged stale or overridden), before anything changes. */
  beforeLockTakeover?: () => Promise<void>;
  /** Right after this reader's generation file was created. */
  afterLockCreate?: () => Promise<void>;
}

export interface AcquireOptions {
  box: string;
  agent: string;
  staleMs: number;
  /** Override a lock whose owner looks alive: the caller knows it is dead (or fenced off). */
  takeOver: boolean;
  seams?: ReaderLockSeams;
}

const GEN_RE = new RegExp(`^${READER_LOCK_NAME.replace('.', '\\.')}\\.(\\d{1,15})$`);
const TMP_RE = new RegExp(`^\\.${READER_LOCK_NAME.replace('.', '\\.')}\\.\\d+\\.(\\d+)\\.[A-Za-z0-9_-]+\\.tmp$`);

/** Generation numbers present in a listing of the mailbox dir. */
function generations(names: string[]): number[] {
  const out: number[] = [];
  for (const n of names) {
    const m = GEN_RE.exec(n);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

const genFile = (box: string, gen: number) => path.join(box, `${READER_LOCK_NAME}.${gen}`);

/** Why the lock at `file` is stale, or undefined when its owner looks alive and current. */
function staleness(file: string, staleMs: number): string | undefined {
  let rec: Partial<ReaderLockRecord>;
  let mtimeMs: number;
  try {
    rec = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ReaderLockRecord>;
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'removed meanwhile';
    return `unreadable (${(err as Error).message})`;
  }
  if (rec.released) return 'released';
  if (typeof rec.pid !== 'number' || !isPidAlive(rec.pid)) return `owner pid ${rec.pid} is dead`;
  const age = Date.now() - mtimeMs;
  if (age > staleMs) return `not refreshed for ${Math.round(age)} ms`;
  return undefined;
}

/** Thrown with the holder's pid as the cause, for callers that want it. */
function lockedError(box: string, holder: string): MailboxLockedError {
  return new MailboxLockedError(box, { cause: Object.assign(new Error(`held by ${holder}`), { code: 'ELOCKED' }) });
}

/** A held reader lock. Create with `ReaderLock.acquire`. */
export class ReaderLock {
  readonly token = newId(12);
  private released = false;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly box: string,
    private readonly agent: string,
    /** This owner's generation. */
    readonly gen: number,
  ) {}

  /** Takes the lock, or throws MailboxLockedError when a live reader holds it (or won a simultaneous takeover). */
  static async acquire(opts: AcquireOptions): Promise<{ lock: ReaderLock; tookOver?: string }> {
    const { box } = opts;
    // Synchronous calls on a handful of tiny local files: taking the lock is on every
    // worker's way to `started`, where each awaited call is a thread-pool round trip.
    const names = fs.readdirSync(box);
    const gens = generations(names);
    const max = gens.length > 0 ? Math.max(...gens) : 0;
    let tookOver: string | undefined;
    if (max > 0) {
      const stale = staleness(genFile(box, max), opts.staleMs);
      if (stale === undefined && !opts.takeOver) throw lockedError(box, `generation ${max}`);
      // A released lock is simply free; anything else is a takeover, which the reader logs.
      if (stale !== 'released') tookOver = stale ?? 'takeover requested';
      await opts.seams?.beforeLockTakeover?.();
    }
    const lock = new ReaderLock(box, opts.agent, max + 1);
    lock.create();
    await opts.seams?.afterLockCreate?.();
    // Lower generations are history now; leftovers of crashed acquirers go too.
    for (const n of names) {
      const g = GEN_RE.exec(n);
      const t = TMP_RE.exec(n);
      if ((g && Number(g[1]) < lock.gen) || (t && !isPidAlive(Number(t[1])))) fs.rmSync(path.join(box, n), { force: true });
    }
    return { lock, ...(tookOver !== undefined ? { tookOver } : {}) };
  }

  private record(released = false): string {
    const rec: ReaderLockRecord = { pid: process.pid, token: this.token, agent: this.agent, since: new Date().toISOString() };
    return JSON.stringify(released ? { ...rec, released: true } : rec) + '\n';
  }

  private tmpPath(): string {
    return path.join(this.box, `.${READER_LOCK_NAME}.${this.gen}.${process.pid}.${this.token}.tmp`);
  }

  /** Exclusive create of this generation, whole: link(2) fails with EEXIST if another reader made it first. */
  private create(): void {
    const tmp = this.tmpPath();
    fs.writeFileSync(tmp, this.record());
    try {
      fs.linkSync(tmp, genFile(this.box, this.gen));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw lockedError(this.box, `generation ${this.gen} (a simultaneous takeover won)`);
      throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  /** Undefined while this reader owns the lock; otherwise why not. One listing of the mailbox dir. */
  async lostBecause(): Promise<string | undefined> {
    if (this.released) return 'released';
    let names: string[];
    try {
      names = await fsp.readdir(this.box);
    } catch (err) {
      return `cannot list the mailbox dir: ${(err as Error).message}`;
    }
    return this.judge(names);
  }

  /**
   * lostBecause with a synchronous listing: what the reader's pass asks before handling
   * anything. The mailbox dir holds a handful of entries, so the listing never takes long.
   */
  lostBecauseSync(): string | undefined {
    if (this.released) return 'released';
    let names: string[];
    try {
      names = fs.readdirSync(this.box);
    } catch (err) {
      return `cannot list the mailbox dir: ${(err as Error).message}`;
    }
    return this.judge(names);
  }

  private judge(names: string[]): string | undefined {
    const gens = generations(names);
    const max = gens.length > 0 ? Math.max(...gens) : 0;
    if (max > this.gen) return `taken over by generation ${max}`;
    if (!gens.includes(this.gen)) return 'its lock file was removed';
    return undefined;
  }

  /** Marks the lock fresh (its mtime), so a reused pid cannot keep it for ever. */
  async refresh(): Promise<void> {
    const now = new Date();
    await fsp.utimes(genFile(this.box, this.gen), now, now);
  }

  /** Every `everyMs`: check ownership, then refresh; `onLost` once ownership is gone (and keeping stops). */
  keep(everyMs: number, onLost: (why: string) => void, logger: Logger): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => {
      void this.lostBecause().then(async (why) => {
        if (why !== undefined) {
          this.stopKeeping();
          if (!this.released) onLost(why);
          return;
        }
        await this.refresh().catch((err: unknown) => logger.warn({ err }, 'mailbox: could not refresh the reader lock'));
      });
    }, everyMs);
  }

  private stopKeeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Releases the lock if this reader still owns it; a taken-over reader removes nothing of its successor's. */
  async release(): Promise<boolean> {
    this.stopKeeping();
    if (this.released) return false;
    const lost = this.lostBecauseSync();
    this.released = true;
    if (lost !== undefined) return false;
    // Rewritten, not removed: the highest generation stays, so the next owner counts on from it.
    // Synchronous, like acquire: a spare's release runs beside its successor's start.
    const tmp = this.tmpPath();
    fs.writeFileSync(tmp, this.record(true));
    fs.renameSync(tmp, genFile(this.box, this.gen));
    return true;
  }
}
