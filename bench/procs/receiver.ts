/**
 * Bench helper process: the receiving side of the mailbox benches. Its ops (over IPC):
 *  - `clock`: this process's shared-clock time, for the skew estimate;
 *  - `recv.start {spec}` / `recv.wait {expect, timeoutMs}`: receive on a transport and
 *    return each message's latency (receipt time − send time, both on the shared clock);
 *  - `drain {spec, expect}`: start a reader on a backlog and time it until all is handled,
 *    sampling this process's inotify watches as it goes;
 *  - `parse.cost {n}`: what JSON.parse and the envelope's zod schema cost per message here;
 *  - `mem.start {pids, everyMs}` / `mem.add {pid}` / `mem.stop`: sample the summed RSS and
 *    Pss of a set of processes from here, so the sampling costs the measured process nothing;
 *  - `arrivals.start {dir}` / `arrivals.stop`: note when each file name first appears in a
 *    folder (fs.watch), e.g. another agent's mailbox new/, without touching the files.
 */
import { nanoid } from 'nanoid';
import { EnvelopeSchema } from '../../src/contracts/envelope.js';
import fs from 'node:fs';
import { now, sleep } from '../lib/clock.js';
import { serve } from '../lib/ipc.js';
import { MemorySampler, inotifyWatches } from '../lib/proc-stats.js';
import { startReceiver, type Receiver, type TransportSpec } from '../lib/transports.js';

interface Run {
  spec: TransportSpec;
  /** Event-loop utilization and CPU use since the run began: how busy this reader was. */
  elu0: ReturnType<typeof performance.eventLoopUtilization>;
  cpu0: NodeJS.CpuUsage;
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
let memory: { sampler: MemorySampler; pids: Set<number> } | undefined;
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

function newRun(spec: TransportSpec, expect: number): Run {
  return { spec, elu0: performance.eventLoopUtilization(), cpu0: process.cpuUsage(), seen: new Set(), latencies: [], dupes: 0, expect };
}

/** Busy share of the event loop, and CPU ms (user + system) used, since the run began. */
function load(r: Run): { elu: number; cpuMs: number } {
  const cpu = process.cpuUsage(r.cpu0);
  return { elu: performance.eventLoopUtilization(r.elu0).utilization, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function finish(r: Run) {
  ipcRun = false;
  const stats = r.receiver?.stats() ?? {};
  const busy = load(r);
  await r.receiver?.stop();
  run = undefined;
  return { received: r.seen.size, dupes: r.dupes, latencies: r.latencies, firstAt: r.firstAt ?? null, lastAt: r.lastAt ?? null, stats, ...busy };
}

serve(
  {
    clock: () => now(),
    'recv.start': async ({ spec }: { spec: TransportSpec }) => {
      if (run) await finish(run);
      const r = newRun(spec, Number.POSITIVE_INFINITY);
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
    'mem.start': ({ pids, everyMs }: { pids: number[]; everyMs: number }) => {
      const set = new Set(pids);
      memory = { sampler: new MemorySampler(() => set, everyMs), pids: set };
      memory.sampler.start();
      return null;
    },
    'mem.add': ({ pid }: { pid: number }) => {
      memory?.pids.add(pid);
      return null;
    },
    'mem.stop': () => {
      if (!memory) throw new Error('mem.stop without mem.start');
      const { sampler } = memory;
      sampler.stop();
      memory = undefined;
      return { peakRssKb: sampler.peakRssKb, peakPssKb: sampler.peakPssKb, peakProcesses: sampler.peakProcesses, processesAtPeakPss: sampler.processesAtPeakPss, samples: sampler.samples };
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
      let watchesPeak = 0;
      const sampler = setInterval(() => (watchesPeak = Math.max(watchesPeak, inotifyWatches())), 20);
      const t0 = now();
      const r = newRun(spec, expect);
      run = r;
      // The mailbox reader runs as configured in production (watch on, paused while a
      // backlog drains); the floor drains by listing alone.
      r.receiver = await startReceiver(spec, onMessage, { watch: spec.mode === 'mailroom' });
      const complete = await waitFor(r, expect, timeoutMs);
      const ms = (r.lastAt ?? now()) - t0;
      const busy = load(r);
      watchesPeak = Math.max(watchesPeak, inotifyWatches());
      clearInterval(sampler);
      // Once drained, the reader goes back to watching: that is its idle cost.
      await sleep(300);
      const watchesAfter = inotifyWatches();
      const out = await finish(r);
      return { complete, ms, received: out.received, dupes: out.dupes, watchesPeak, watchesAfter, stats: out.stats, ...busy };
    },
  },
  (m) => {
    if (ipcRun) onMessage(m.i, m.t);
  },
);
