/**
 * The four ways one process hands a message to another, as the benches use them:
 *  - `mailroom`: this project's Maildir mailbox (MailboxSender → MailboxReader);
 *  - `fswatch`: the raw floor under it: write into tmp/, rename into new/, and a reader
 *    woken by a bare fs.watch that reads and renames each file (no chokidar, no schema);
 *  - `chokidar`: a diagnostic between the two: the floor's files and reader, but woken by
 *    chokidar (as the mailbox reader is) instead of a bare fs.watch;
 *  - `fsasync`: a diagnostic for draining: the floor's files, read with the mailbox
 *    reader's own sequence of async calls per file (lstat, open, fstat, read, close,
 *    rename), one file at a time, without validation;
 *  - `ipc`: Node's IPC channel (process.send), the floor for talking to a child at all;
 *  - `polled`: a JSON-array inbox under proper-lockfile, polled every 500 ms (the design of
 *    Claude Code's agent-team inboxes; see polled-inbox.ts);
 *  - `redis`: this project's redis transport (Redis Streams, XADD → XREADGROUP BLOCK → XACK)
 *    on a local redis-server started for the run (redis.ts).
 * Every payload carries its index and its send time on the shared clock: `<i>|<t>`.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { watch as chokidarWatch } from 'chokidar';
import { nanoid } from 'nanoid';
import { MailboxReader, MailboxSender, createMailbox, type MailboxReaderStats } from '../../src/mailbox/index.js';
import { PolledInboxReader, PolledInboxSender, createInbox } from './polled-inbox.js';
import { RedisTransport } from '../../src/mailbox/redis/transport.js';
import { benchRedisUrl } from './redis.js';

export type Mode = 'mailroom' | 'fswatch' | 'chokidar' | 'fsasync' | 'ipc' | 'polled' | 'redis';

/** Where a transport's files live; plain JSON so it crosses the IPC channel. */
export interface TransportSpec {
  mode: Mode;
  sessionDir: string;
  sessionId: string;
  /** Reader's agent id (mailroom). */
  agentId: string;
  /** Maildir-like folder with tmp/ new/ cur/ (fswatch). */
  rawDir: string;
  /** The JSON-array inbox (polled). */
  inboxFile: string;
  pollMs?: number;
  /** The redis server (redis). */
  redisUrl?: string;
}

export const READER_AGENT = 'bench-reader';

/** Creates the folders or files of one transport under `root`. */
export async function prepareTransport(mode: Mode, root: string): Promise<TransportSpec> {
  await fsp.mkdir(root, { recursive: true });
  const spec: TransportSpec = {
    mode,
    sessionDir: path.join(root, 'session'),
    sessionId: `bench-${nanoid(6)}`,
    agentId: READER_AGENT,
    rawDir: path.join(root, 'raw'),
    inboxFile: path.join(root, 'inbox.json'),
  };
  if (mode === 'mailroom') await createMailbox(spec.sessionDir, spec.agentId);
  if (mode === 'fswatch' || mode === 'chokidar' || mode === 'fsasync') for (const d of ['tmp', 'new', 'cur']) await fsp.mkdir(path.join(spec.rawDir, d), { recursive: true });
  if (mode === 'polled') createInbox(spec.inboxFile);
  if (mode === 'redis') {
    spec.redisUrl = await benchRedisUrl();
    const t = RedisTransport.connect(spec.redisUrl, spec.sessionId);
    await t.createMailbox(spec.agentId);
    await t.close();
  }
  return spec;
}

export function encode(i: number, t: number): string {
  return `${i}|${t}`;
}

export function decode(text: string): { i: number; t: number } {
  const bar = text.indexOf('|');
  return { i: Number(text.slice(0, bar)), t: Number(text.slice(bar + 1)) };
}

// ---- senders ---------------------------------------------------------------------------

export interface Sender {
  /** `deadline` (shared clock) only bounds the polled inbox's wait for its lock. */
  send(i: number, t: number, deadline?: number): Promise<void>;
  /** Releases a connection (redis). */
  close?: () => Promise<void>;
}

/** A sender for a file-based transport (`ipc` is sent by BenchProc.probe instead). */
export function createSender(spec: TransportSpec, from: string, opts: { fsync: boolean }): Sender {
  switch (spec.mode) {
    case 'mailroom': {
      const sender = new MailboxSender({ sessionDir: spec.sessionDir, sessionId: spec.sessionId, from, fsync: opts.fsync });
      return { send: async (i, t) => void (await sender.send(spec.agentId, 'message', { text: encode(i, t) })) };
    }
    case 'fswatch':
    case 'chokidar':
    case 'fsasync': {
      let seq = 0;
      return {
        send: async (i, t) => {
          const name = `${from}-${String(seq++).padStart(8, '0')}.json`;
          await rawWrite(spec.rawDir, name, JSON.stringify({ from, text: encode(i, t) }), opts.fsync);
        },
      };
    }
    case 'polled': {
      const sender = new PolledInboxSender(spec.inboxFile, from);
      return { send: (i, t, deadline) => sender.send(encode(i, t), deadline) };
    }
    case 'redis': {
      const t = RedisTransport.connect(spec.redisUrl!, spec.sessionId);
      const sender = t.sender({ from });
      return { send: async (i, t2) => void (await sender.send(spec.agentId, 'message', { text: encode(i, t2) })), close: () => t.close() };
    }
    case 'ipc':
      throw new Error('ipc messages are sent with BenchProc.probe');
  }
}

const fsyncFd = promisify(fs.fsync);

/**
 * The Maildir write at its barest: tmp/ (wx) → optional fsync → rename into new/ (→ fsync
 * new/), with the calls the mailbox sender makes: synchronous open, write, close and
 * rename (a small local file), and only the fsyncs awaited through the thread pool.
 */
async function rawWrite(dir: string, name: string, data: string, fsync: boolean): Promise<void> {
  const tmp = path.join(dir, 'tmp', name);
  const fd = fs.openSync(tmp, 'wx');
  try {
    fs.writeFileSync(fd, data);
    if (fsync) await fsyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, 'new', name));
  if (fsync) {
    const dfd = fs.openSync(path.join(dir, 'new'), 'r');
    try {
      await fsyncFd(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  }
}

// ---- receivers -------------------------------------------------------------------------

export interface Receiver {
  stop(): Promise<void>;
  /** Transport-specific counters (the mailroom reader's stats). */
  stats(): MailboxReaderStats | Record<string, number>;
}

export type OnMessage = (i: number, t: number) => void;

export interface ReceiverOptions {
  /** Watch for new files (latency, burst); false drains by listing alone. Default true. */
  watch?: boolean;
}

/** Starts a receiver in this process; resolves once it is ready to receive. `ipc` is handled by the proc. */
export async function startReceiver(spec: TransportSpec, onMessage: OnMessage, opts: ReceiverOptions = {}): Promise<Receiver> {
  switch (spec.mode) {
    case 'mailroom': {
      const reader = new MailboxReader({
        sessionDir: spec.sessionDir,
        sessionId: spec.sessionId,
        agentId: spec.agentId,
        watch: opts.watch ?? true,
        handler: async (env) => {
          if (env.type !== 'message') return;
          const { i, t } = decode(env.body.text);
          onMessage(i, t);
        },
      });
      await reader.start();
      return { stop: () => reader.stop(), stats: () => reader.stats };
    }
    case 'fswatch':
      return startRawReceiver(spec.rawDir, onMessage, (opts.watch ?? true) ? 'fs.watch' : 'none');
    case 'chokidar':
      return startRawReceiver(spec.rawDir, onMessage, (opts.watch ?? true) ? 'chokidar' : 'none');
    case 'fsasync':
      return startAsyncSequenceDrain(spec.rawDir, onMessage);
    case 'polled': {
      const reader = new PolledInboxReader(spec.inboxFile, (m) => {
        const { i, t } = decode(m.text);
        onMessage(i, t);
      }, spec.pollMs);
      reader.start();
      return { stop: () => reader.stop(), stats: () => ({}) };
    }
    case 'redis': {
      const t = RedisTransport.connect(spec.redisUrl!, spec.sessionId);
      const reader = t.reader({
        agentId: spec.agentId,
        handler: async (env) => {
          if (env.type !== 'message') return;
          const { i, t: sentAt } = decode(env.body.text);
          onMessage(i, sentAt);
        },
      });
      await reader.start();
      return {
        stop: async () => {
          await reader.stop();
          await t.close();
        },
        stats: () => ({ ...reader.stats }),
      };
    }
    case 'ipc':
      throw new Error('the ipc receiver lives in the proc');
  }
}

/**
 * The floor reader: fs.watch on new/, and for each event read the named file and rename
 * it into cur/. A listing pass at start and every second catches anything the events miss
 * (as the Maildir reader's rescan does), so a burst that overflows inotify still drains.
 */
async function startRawReceiver(dir: string, onMessage: OnMessage, watch: 'fs.watch' | 'chokidar' | 'none'): Promise<Receiver> {
  const newDir = path.join(dir, 'new');
  const curDir = path.join(dir, 'cur');
  const seen = new Set<string>();
  let events = 0;
  let passes = 0;
  const handle = (name: string) => {
    if (seen.has(name)) return;
    let text: string;
    try {
      text = fs.readFileSync(path.join(newDir, name), 'utf8');
    } catch {
      return; // already moved, or not there yet
    }
    seen.add(name);
    fs.renameSync(path.join(newDir, name), path.join(curDir, name));
    const { i, t } = decode((JSON.parse(text) as { text: string }).text);
    onMessage(i, t);
  };
  const pass = () => {
    passes++;
    for (const name of fs.readdirSync(newDir).sort()) handle(name);
  };
  let close: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (watch === 'fs.watch') {
    const watcher = fs.watch(newDir, (_event, name) => {
      events++;
      if (name) handle(name);
      else pass();
    });
    close = async () => watcher.close();
  } else if (watch === 'chokidar') {
    // The mailbox reader's options: new/ alone, depth 0, ignoreInitial, no awaitWriteFinish.
    const watcher = chokidarWatch(newDir, { depth: 0, ignoreInitial: true, persistent: true });
    watcher.on('add', (file) => {
      events++;
      handle(path.basename(file));
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    close = () => watcher.close();
  }
  if (watch !== 'none') timer = setInterval(pass, 1000);
  pass();
  return {
    stop: async () => {
      await close?.();
      if (timer) clearInterval(timer);
    },
    stats: () => ({ events, passes, handled: seen.size }),
  };
}

/**
 * One listing pass that handles each file with the same async calls the mailbox reader
 * makes, awaited one after another: what those round trips through libuv's thread pool
 * cost, without chokidar, zod or the handler. Drain only (no watch).
 */
function startAsyncSequenceDrain(dir: string, onMessage: OnMessage): Receiver {
  const newDir = path.join(dir, 'new');
  const curDir = path.join(dir, 'cur');
  let handled = 0;
  let stopped = false;
  const pass = async () => {
    const names = (await fsp.readdir(newDir)).sort();
    for (const name of names) {
      if (stopped) return;
      const file = path.join(newDir, name);
      await fsp.lstat(file);
      const fh = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      let text: string;
      try {
        await fh.stat();
        text = (await fh.readFile()).toString('utf8');
      } finally {
        await fh.close();
      }
      await fsp.rename(file, path.join(curDir, name));
      handled++;
      const { i, t } = decode((JSON.parse(text) as { text: string }).text);
      onMessage(i, t);
    }
  };
  const running = pass();
  return {
    stop: async () => {
      stopped = true;
      await running.catch(() => undefined);
    },
    stats: () => ({ handled }),
  };
}
