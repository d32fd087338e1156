/**
 * Bench helper process: the receiving side of the mailbox benches. Its ops (over IPC):
 *  - `clock`: this process's shared-clock time, for the skew estimate;
 *  - `recv.start {spec}` / `recv.wait {expect, timeoutMs}`: receive on a transport and
 *    return each message's latency (receipt time − send time, both on the shared clock);
 *  - `drain {spec, expect}`: start a reader on a backlog and time it until all is handled,
 *    sampling this process's inotify watches as it goes;
 *  - `parse.cost {n}`: what JSON.parse and the envelope's zod schema cost per message here;
 *  - `arrivals.start {dir}` / `arrivals.stop`: note when each file name first appears in a
 *    folder (fs.watch), e.g. another agent's mailbox new/, without touching the files.
 */
import { nanoid } from 'nanoid';
import { EnvelopeSchema } from '../../src/mailbox/schema.js';
import fs from 'node:fs';
import { now, sleep } from '../lib/clock.js';
import { serve } from '../lib/ipc.js';
import { inotifyWatches } from '../lib/proc-stats.js';
import { startReceiver, type Receiver, type TransportSpec } from '../lib/transports.js';

interface Run {
  spec: TransportSpec;
  receiver?: Receiver;
  seen: Set<number>;
  latencies: number[];
  dupes: number;
  firstAt?: number;
  lastAt?: number;
  expect: number;
  onComplete?: () => void;
}

let run: Run | undefined;
let arrivals: { watcher: fs.FSWatcher; seen: Record<string, number> } | undefined;
let ipcRun = false;

function onMessage(i: number, t: number): void {
  const at = now();
  const r = run;
  if (!r) return;
  if (r.seen.has(i)) {
    r.dupes++;
    return;
  }
  r.seen.add(i);
  r.latencies.push(at - t);
  r.firstAt ??= at;
  r.lastAt = at;
  if (r.seen.size >= r.expect) r.onComplete?.();
}

function waitFor(r: Run, expect: number, timeoutMs: number): Promise<boolean> {
  r.expect = expect;
  if (r.seen.size >= expect) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    r.onComplete = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
}

async function finish(r: Run) {
  ipcRun = false;
  const stats = r.receiver?.stats() ?? {};
  await r.receiver?.stop();
  run = undefined;
  return { received: r.seen.size, dupes: r.dupes, latencies: r.latencies, firstAt: r.firstAt ?? null, lastAt: r.lastAt ?? null, stats };
}

serve(
  {
    clock: () => now(),
    'recv.start': async ({ spec }: { spec: TransportSpec }) => {
      if (run) await finish(run);
      const r: Run = { spec, seen: new Set(), latencies: [], dupes: 0, expect: Number.POSITIVE_INFINITY };
      run = r;
      if (spec.mode === 'ipc') ipcRun = true;
      else r.receiver = await startReceiver(spec, onMessage);
      return { readyAt: now() };
    },
    'recv.wait': async ({ expect, timeoutMs }: { expect: number; timeoutMs: number }) => {
      const r = run;
      if (!r) throw new Error('recv.wait without recv.start');
      const complete = await waitFor(r, expect, timeoutMs);
      return { complete, ...(await finish(r)) };
    },
    'arrivals.start': ({ dir }: { dir: string }) => {
      arrivals?.watcher.close();
      const seen: Record<string, number> = {};
      const watcher = fs.watch(dir, (_event, name) => {
        if (name && !(name in seen)) seen[name] = now();
      });
      arrivals = { watcher, seen };
      return null;
    },
    'arrivals.stop': () => {
      if (!arrivals) return {};
      arrivals.watcher.close();
      const seen = arrivals.seen;
      arrivals = undefined;
      return seen;
    },
    'parse.cost': ({ n }: { n: number }) => {
      const texts = Array.from({ length: n }, (_, seq) =>
        JSON.stringify(
          { v: 1, id: nanoid(), session: 'bench', from: 'bench-sender', to: 'bench-reader', type: 'message', seq, sentAt: Date.now(), body: { text: `${seq}|0` } },
          null,
          2,
        ) + '\n',
      );
      const t0 = now();
      const parsed = texts.map((t) => JSON.parse(t) as unknown);
      const t1 = now();
      let ok = 0;
      for (const p of parsed) if (EnvelopeSchema.safeParse(p).success) ok++;
      const t2 = now();
      return { n, ok, jsonUs: ((t1 - t0) * 1000) / n, zodUs: ((t2 - t1) * 1000) / n };
    },
    drain: async ({ spec, expect, timeoutMs }: { spec: TransportSpec; expect: number; timeoutMs: number }) => {
      if (run) await finish(run);
      const r: Run = { spec, seen: new Set(), latencies: [], dupes: 0, expect };
      run = r;
      let watchesPeak = 0;
      const sampler = setInterval(() => (watchesPeak = Math.max(watchesPeak, inotifyWatches())), 20);
      const t0 = now();
      // The mailbox reader runs as configured in production (watch on, paused while a
      // backlog drains); the floor drains by listing alone.
      r.receiver = await startReceiver(spec, onMessage, { watch: spec.mode === 'mailroom' });
      const complete = await waitFor(r, expect, timeoutMs);
      const ms = (r.lastAt ?? now()) - t0;
      watchesPeak = Math.max(watchesPeak, inotifyWatches());
      clearInterval(sampler);
      // Once drained, the reader goes back to watching: that is its idle cost.
      await sleep(300);
      const watchesAfter = inotifyWatches();
      const out = await finish(r);
      return { complete, ms, received: out.received, dupes: out.dupes, watchesPeak, watchesAfter, stats: out.stats };
    },
  },
  (m) => {
    if (ipcRun) onMessage(m.i, m.t);
  },
);
