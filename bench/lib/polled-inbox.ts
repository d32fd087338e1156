/**
 * The comparison point: a polled JSON-array inbox guarded by proper-lockfile, the design
 * of Claude Code's agent-team inboxes (`~/.claude/teams/<team>/inboxes/<agent>.json`, a
 * JSON array of `{from, text, timestamp, read}` with a companion lock). A sender locks the
 * file, reads the array, appends, writes it back and unlocks; the reader polls every
 * 500 ms: lock, read, take the unread messages, mark them read, write back, unlock.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import lockfile from 'proper-lockfile';

export interface InboxMessage {
  from: string;
  text: string;
  timestamp: string;
  read: boolean;
}

export const POLL_MS = 500;

/** Retry a taken lock after 2 ms, backing off to 50 ms: what a real contender does. */
const LOCK_RETRY_MIN_MS = 2;
const LOCK_RETRY_MAX_MS = 50;

/** Creates an empty inbox (`[]`). */
export function createInbox(file: string): void {
  fs.writeFileSync(file, '[]');
}

/** Thrown when the lock could not be had before the caller's deadline. */
export class LockDeadlineError extends Error {}

async function withLock<T>(file: string, fn: () => Promise<T>, deadline = Number.POSITIVE_INFINITY): Promise<T> {
  let wait = LOCK_RETRY_MIN_MS;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(file, { realpath: false, stale: 10_000, retries: 0 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (performance.timeOrigin + performance.now() + wait > deadline) throw new LockDeadlineError(`inbox lock still taken at the deadline`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(LOCK_RETRY_MAX_MS, wait * 1.5);
    }
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function readInbox(file: string): Promise<InboxMessage[]> {
  return JSON.parse(await fsp.readFile(file, 'utf8')) as InboxMessage[];
}

export class PolledInboxSender {
  constructor(
    private readonly file: string,
    private readonly from: string,
  ) {}

  /** `deadline` (shared-clock ms) bounds the wait for the lock; past it the send fails. */
  async send(text: string, deadline?: number): Promise<void> {
    await withLock(
      this.file,
      async () => {
        const messages = await readInbox(this.file);
        messages.push({ from: this.from, text, timestamp: new Date().toISOString(), read: false });
        await fsp.writeFile(this.file, JSON.stringify(messages));
      },
      deadline,
    );
  }
}

export class PolledInboxReader {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly file: string,
    private readonly onMessage: (m: InboxMessage) => void,
    private readonly pollMs = POLL_MS,
  ) {}

  /** Polls once at once, then every pollMs. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.pollMs);
      });
    };
    tick();
  }

  private async poll(): Promise<void> {
    const unread = await withLock(this.file, async () => {
      const messages = await readInbox(this.file);
      const fresh = messages.filter((m) => !m.read);
      if (fresh.length === 0) return fresh;
      for (const m of fresh) m.read = true;
      await fsp.writeFile(this.file, JSON.stringify(messages));
      return fresh;
    });
    for (const m of unread) this.onMessage(m);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
  }
}
