/**
 * `mailroom logs <id> [agent] [-f]`: the pino logs of a session through pino-pretty. With
 * no agent, every agent's `log.ndjson` merged by time. With `-f`, it keeps reading what
 * the processes append (and picks up workers spawned later) until the session ends or
 * the operator presses Ctrl-C.
 */
import fsp from 'node:fs/promises';
import { prettyFactory } from 'pino-pretty';
import { readFileStreamAfter } from '../../inspect/remote.js';
import { agentPaths } from '../../session/layout.js';
import { isPidAlive } from '../../util/fs.js';
import { sanitize } from './format.js';
import { listAgents, readSessionLoose, sessionAgents, type SessionRef } from './session-data.js';

/** Where each file was read up to, and the torn tail of a line still being written. */
interface Cursor {
  offset: number;
  partial: string;
  /** The last entry read from the agent's log stream in Redis (a worker whose file is on its host). */
  streamId?: string;
}

interface Entry {
  time: number;
  agent: string;
  /** The parsed pino object, or undefined for a line that is not JSON. */
  obj?: Record<string, unknown>;
  raw: string;
  /** Order of arrival, so entries with the same time keep their file order. */
  seq: number;
}

/** The key the merged view uses for the agent a line came from (its file). */
const AGENT_KEY = 'mailroomAgent';

export interface LogsOptions {
  /** One agent's log; all agents merged when absent. */
  agent?: string;
  follow?: boolean;
  /** Colors (default: off; the CLI turns them on for a terminal). */
  colorize?: boolean;
  /** The lowest level shown: trace, debug, info, warn, error, fatal. */
  level?: string;
  /** How often `follow` looks for new lines. */
  pollMs?: number;
  /** Aborting stops `follow` (Ctrl-C). */
  signal?: AbortSignal;
}

/** Why printing stopped: all printed, the followed session ended, or the operator stopped it. */
export type LogsEnd = 'done' | 'session-ended' | 'interrupted';

/**
 * Prints the logs to `write`. Lines are read whole: a line still being written (no
 * newline yet) waits for the next read, so a follower never prints half a record.
 */
export async function printLogs(ref: SessionRef, opts: LogsOptions, write: (s: string) => void): Promise<LogsEnd> {
  const cursors = new Map<string, Cursor>();
  let seq = 0;
  let width = 0;
  const prettify = prettyFactory({
    colorize: opts.colorize ?? false,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: `pid,hostname,session,${AGENT_KEY}`,
    singleLine: true,
    ...(opts.level ? { minimumLevel: opts.level as 'info' } : {}),
    messageFormat: (log, messageKey) => `${String(log[AGENT_KEY] ?? '').padEnd(width)} ${String(log[messageKey] ?? '')}`,
  });

  const readNew = async (): Promise<Entry[]> => {
    const agents = opts.agent ? [opts.agent] : ref.redisUrl ? await sessionAgents(ref) : await listAgents(ref.dir);
    const entries: Entry[] = [];
    for (const agent of agents) {
      width = Math.max(width, agent.length);
      const file = agentPaths(ref.dir, agent).log;
      const cur = cursors.get(agent) ?? { offset: 0, partial: '' };
      cursors.set(agent, cur);
      if (ref.redisUrl && !(await fsp.stat(file).then(() => true, () => false))) {
        // Not on this machine: the lines its worker host streamed to Redis.
        const got = await readFileStreamAfter(ref.redisUrl, ref.id, agent, 'log', cur.streamId);
        if (got?.last) cur.streamId = got.last;
        for (const raw of got?.lines ?? []) if (raw.trim()) entries.push(toEntry(agent, raw, seq++));
        continue;
      }
      const chunk = await readFrom(file, cur.offset);
      if (!chunk.length) continue;
      cur.offset += chunk.length;
      const text = cur.partial + chunk.toString('utf8');
      const lines = text.split('\n');
      cur.partial = lines.pop() ?? '';
      for (const raw of lines) {
        if (!raw.trim()) continue;
        entries.push(toEntry(agent, raw, seq++));
      }
    }
    // Merged by time; ties keep the order they were read in.
    return entries.sort((a, b) => a.time - b.time || a.seq - b.seq);
  };

  const print = (entries: Entry[]) => {
    let text = '';
    for (const e of entries) {
      if (e.obj) {
        // Lines from a file speak for that file's agent; a record's own `agent` field
        // (e.g. the worker a coordinator line is about) stays visible as a field.
        const line = prettify({ ...e.obj, [AGENT_KEY]: e.agent, ...(e.obj.agent === e.agent ? { agent: undefined } : {}) });
        if (line) text += sanitizeKeepColors(line, opts.colorize ?? false);
      } else {
        text += `${' '.repeat(13)}${e.agent.padEnd(width)} ${sanitize(e.raw)}\n`;
      }
    }
    if (text) write(text);
  };

  print(await readNew());
  if (!opts.follow) return 'done';

  const pollMs = opts.pollMs ?? 250;
  for (;;) {
    const record = await readSessionLoose(ref.dir);
    const coordinatorGone = record?.coordinatorPid !== undefined && !isPidAlive(record.coordinatorPid);
    const over = record?.status !== undefined && (record.status !== 'running' || coordinatorGone);
    // Drain once more after the end: workers write their last lines as they exit.
    print(await readNew());
    if (over) {
      const why = record?.status === 'running' ? 'the coordinator is gone (crashed?); resume with --resume' : `the session ${record?.status}`;
      write(`-- end of logs: ${why} --\n`);
      return 'session-ended';
    }
    if (await sleep(pollMs, opts.signal)) {
      print(await readNew());
      return 'interrupted';
    }
  }
}

function toEntry(agent: string, raw: string, seq: number): Entry {
  try {
    const obj = JSON.parse(raw) as unknown;
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
      const o = obj as Record<string, unknown>;
      return { time: typeof o.time === 'number' ? o.time : 0, agent, obj: o, raw, seq };
    }
  } catch {
    // Not a pino line (a crash message written some other way): shown as it is.
  }
  return { time: 0, agent, raw, seq };
}

/** pino-pretty's own colors are fine; any other control character came from logged data. */
function sanitizeKeepColors(text: string, colorize: boolean): string {
  if (!colorize) return sanitize(text.replace(/\n$/, '')) + '\n';
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g, '');
}

async function readFrom(file: string, offset: number): Promise<Buffer> {
  let fh;
  try {
    fh = await fsp.open(file, 'r');
  } catch {
    return Buffer.alloc(0); // not created yet
  }
  try {
    const { size } = await fh.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Waits `ms`; resolves true early when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(true);
    const done = (aborted: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(aborted);
    };
    const onAbort = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    signal?.addEventListener('abort', onAbort);
  });
}
