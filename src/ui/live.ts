/**
 * Live updates: chokidar watches the runtime dir's sessions and tells subscribers which
 * sessions and agents changed, batched over a short window. The event names what changed,
 * not the new content: the page asks the API again, so what it shows is always a fresh
 * read of the files (a watch event is only a wake-up, as in the mailbox protocol).
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { sessionsDir } from '../session/layout.js';

/** One batch of changes. */
export interface ChangeBatch {
  /** Sessions whose files changed (new sessions included). */
  sessions: string[];
  /** `<session>/<agent>` pairs whose folder changed. */
  agents: string[];
}

export type ChangeListener = (batch: ChangeBatch) => void;

/** Files that change all the time without news: heartbeats and lock refreshes. */
function ignored(file: string): boolean {
  const base = path.basename(file);
  return base === 'heartbeat' || base.endsWith('.lock') || file.includes(`${path.sep}workspace${path.sep}`) || file.includes(`.lock${path.sep}`);
}

export class SessionWatcher {
  private watcher: FSWatcher | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private pending: { sessions: Set<string>; agents: Set<string> } = { sessions: new Set(), agents: new Set() };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runtimeDir: string,
    private readonly batchMs = 150,
  ) {}

  /** Starts watching; resolves once the initial scan is done. */
  async start(): Promise<void> {
    const root = sessionsDir(this.runtimeDir);
    // Watch the runtime dir so a `sessions/` folder made after start is seen too.
    this.watcher = watch(this.runtimeDir, { ignoreInitial: true, depth: 6, ignored, followSymlinks: false });
    this.watcher.on('all', (_event, file) => this.note(root, file));
    this.watcher.on('error', () => undefined); // a folder removed under us is not fatal
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  subscribe(fn: ChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
    await this.watcher?.close();
  }

  private note(root: string, file: string): void {
    const rel = path.relative(root, file);
    if (rel.startsWith('..') || rel === '') return;
    const [session, folder, agent] = rel.split(path.sep);
    if (!session) return;
    this.pending.sessions.add(session);
    if (folder === 'agents' && agent) this.pending.agents.add(`${session}/${agent}`);
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  private flush(): void {
    this.timer = undefined;
    const batch: ChangeBatch = { sessions: [...this.pending.sessions].sort(), agents: [...this.pending.agents].sort() };
    this.pending = { sessions: new Set(), agents: new Set() };
    for (const fn of this.listeners) fn(batch);
  }
}
