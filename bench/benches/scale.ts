/**
 * 7. Scale: one session with 32, then 64 workers (all allowed at once), each making one
 * model call with a scripted delay. Reported: that it completes, peak memory summed over
 * the coordinator (this process) and every live worker (sampled from /proc every 100 ms),
 * and message latency under that load, two ways:
 *  - a probe: spaced messages from this process to a mailbox reader in another process,
 *    running the whole session long (same measurement as bench 1, idle baseline beside it);
 *  - the session's own traffic: each worker's `started` and `result` message, from the
 *    envelope's sentAt to the coordinator's event for it (whole ms on both sides).
 */
import fs from 'node:fs';
import path from 'node:path';
import { now, sleep } from '../lib/clock.js';
import { makeTempDir, removeTempDir } from '../lib/cleanup.js';
import { BenchProc } from '../lib/procs.js';
import { resultsCount, runScriptedSession, spawnToStarted, workerBuildNote, type SessionRun } from '../lib/session-run.js';
import { sessionScript, textEntry } from '../lib/session-fixture.js';
import { createSender, prepareTransport } from '../lib/transports.js';
import type { Bench } from '../lib/bench.js';
import { fmt, type Headline, type Row, type Target } from '../lib/report.js';
import { median, round, summarize, type Summary } from '../lib/stats.js';
import { COORDINATOR_ID, agentPaths } from '../../src/session/layout.js';

interface MemOut {
  peakRssKb: number;
  peakPssKb: number;
  peakProcesses: number;
  processesAtPeakPss: number;
  samples: number;
}

interface Probe {
  stop(): Promise<{ latencies: number[]; sent: number; received: number }>;
}

/** Sends spaced probe messages to the receiver proc until stopped. */
async function startProbe(proc: BenchProc, dir: string, spacingMs: number): Promise<Probe> {
  const spec = await prepareTransport('mailroom', dir);
  await proc.call('recv.start', { spec });
  const sender = createSender(spec, 'bench-probe', { fsync: false });
  let running = true;
  let sent = 0;
  const loop = (async () => {
    while (running) {
      await sender.send(sent, now());
      sent++;
      await sleep(spacingMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      const out = await proc.call<{ latencies: number[]; received: number }>('recv.wait', { expect: sent, timeoutMs: 10_000 });
      return { latencies: out.latencies, sent, received: out.received };
    },
  };
}

interface MessageTimes {
  /** sentAt → the coordinator's event for it. */
  total: number[];
  /** sentAt → the file's name seen in the coordinator's new/ by a watcher in another process. */
  delivery: number[];
  /** Seen in new/ → the coordinator's event: the coordinator's own pickup and handling. */
  pickup: number[];
}

/**
 * The worker's started and result envelopes (sentAt, from the coordinator's cur/), matched
 * to the coordinator's events for them, and to when their files appeared in new/.
 */
function sessionMessageTimes(run: SessionRun, arrived: Record<string, number>): MessageTimes {
  const sessionDir = run.outcome.sessionDir;
  const cur = path.join(agentPaths(sessionDir, COORDINATOR_ID).mailbox, 'cur');
  const files = new Map<string, { sentAt: number; name: string }>();
  for (const name of fs.readdirSync(cur)) {
    try {
      const env = JSON.parse(fs.readFileSync(path.join(cur, name), 'utf8')) as { type: string; from: string; sentAt: number };
      if (env.type === 'started' || env.type === 'result') files.set(`${env.type}:${env.from}`, { sentAt: env.sentAt, name });
    } catch {
      // not a message file
    }
  }
  const out: MessageTimes = { total: [], delivery: [], pickup: [] };
  for (const e of run.events) {
    const key = e.type === 'worker_started' ? `started:${e.agent}` : e.type === 'result' ? `result:${e.agent}` : undefined;
    const f = key ? files.get(key) : undefined;
    if (!f) continue;
    out.total.push(e.t - f.sentAt);
    const seen = arrived[f.name];
    if (seen !== undefined) {
      out.delivery.push(seen - f.sentAt);
      out.pickup.push(e.t - seen);
    }
  }
  return out;
}

export const scaleBench: Bench = {
  id: 'scale',
  title: '7. Scale (32 and 64 workers in one session)',
  async run(ctx) {
    const { workers, delayMs, probeSpacingMs, idleProbeMs } = ctx.cfg.scale;
    const root = makeTempDir('scale');
    const proc = await BenchProc.start('receiver.ts', 'scale probe reader');
    // Memory is sampled from a process of its own: reading /proc for 60-odd processes every
    // 100 ms is work the coordinator (this process) must not be charged with.
    const memProc = await BenchProc.start('receiver.ts', 'scale memory sampler');
    const rows: Row[] = [];
    const targets: Target[] = [];
    const details: Record<string, unknown> = {};
    const headline: Headline[] = [];
    let idleLine = '';
    try {
      ctx.log('scale: idle probe baseline');
      const idle = await startProbe(proc, path.join(root, 'probe-idle'), probeSpacingMs);
      await sleep(idleProbeMs);
      const idleOut = await idle.stop();
      const idleLat = summarize(idleOut.latencies);
      idleLine = `probe with no session ${fmt(idleLat.p50)} / ${fmt(idleLat.p99)} ms`;
      rows.push({
        label: 'probe latency with no session running',
        kind: 'anchor',
        values: { probe50: idleLat.p50, probe99: idleLat.p99 },
      });
      for (const n of workers) {
        ctx.log(`scale: ${n} workers`);
        let watching: Promise<unknown> | undefined;
        let mem: MemOut | undefined;
        const probe = await startProbe(proc, path.join(root, `probe-${n}`), probeSpacingMs);
        await memProc.call('mem.start', { pids: [process.pid], everyMs: 100 });
        let run: SessionRun;
        try {
          run = await runScriptedSession({
            dir: path.join(root, `n${n}`),
            script: sessionScript(n, { research: [{ ...textEntry('Bench part report.', delayMs), repeat: true }] }),
            workers: n,
            timeoutMs: 300_000,
            onEvent: (e) => {
              if (e.type === 'worker_spawned') void memProc.call('mem.add', { pid: e.pid });
              // A watcher in the probe process notes when each message reaches the coordinator's new/.
              if (e.type === 'session_started') watching = proc.call('arrivals.start', { dir: path.join(agentPaths(e.sessionDir, COORDINATOR_ID).mailbox, 'new') });
            },
          });
        } finally {
          mem = await memProc.call<MemOut>('mem.stop');
        }
        await watching;
        const arrived = await proc.call<Record<string, number>>('arrivals.stop');
        const probeOut = await probe.stop();
        const completed = run.outcome.status === 'completed' && resultsCount(run) === n;
        const probeLat: Summary = summarize(probeOut.latencies);
        const times = sessionMessageTimes(run, arrived);
        const msgLat = summarize(times.total);
        const delivery = summarize(times.delivery);
        const pickup = summarize(times.pickup);
        const wall = run.t1 - run.t0;
        const sampler = mem!;
        const workerProcs = Math.max(0, sampler.peakProcesses - 1);
        rows.push({
          label: `mailroom session, ${n} workers`,
          kind: 'mailroom',
          values: {
            completed: `${completed ? 'yes' : 'NO'} (${resultsCount(run)}/${n})`,
            wall: round(wall / 1000, 1),
            procs: workerProcs,
            rss: round(sampler.peakRssKb / 1024, 0),
            pss: round(sampler.peakPssKb / 1024, 0),
            perWorker: sampler.processesAtPeakPss > 0 ? round(sampler.peakPssKb / 1024 / sampler.processesAtPeakPss, 1) : null,
            probe50: probeLat.p50,
            probe99: probeLat.p99,
            msg50: msgLat.p50,
            msg99: msgLat.p99,
            delivery50: delivery.p50,
            pickup50: pickup.p50,
            toStarted: median(spawnToStarted(run)),
          },
        });
        headline.push({
          figure: `${n} worker${n === 1 ? '' : 's'} in one session`,
          mailroom: `${completed ? 'completed' : run.outcome.status} ${resultsCount(run)}/${n} in ${fmt(wall / 1000)} s · peak Pss ${fmt(sampler.peakPssKb / 1024 / 1024)} GB (RSS ${fmt(sampler.peakRssKb / 1024 / 1024)} GB) · probe p50 / p99 ${fmt(probeLat.p50)} / ${fmt(probeLat.p99)} ms · session msgs p50 ${fmt(msgLat.p50)} ms`,
          anchors: '',
          target: 'completes',
          met: completed,
        });
        targets.push({ figure: `${n} workers in one session complete`, target: 'completes', measured: `${run.outcome.status}, ${resultsCount(run)}/${n} results`, met: completed });
        details[`workers${n}`] = {
          status: run.outcome.status,
          reason: run.outcome.reason ?? null,
          wallMs: wall,
          peakRssKb: sampler.peakRssKb,
          peakPssKb: sampler.peakPssKb,
          peakProcesses: sampler.peakProcesses,
          samples: sampler.samples,
          probe: { ...probeLat, sent: probeOut.sent, received: probeOut.received },
          sessionMessages: { total: msgLat, delivery, pickup },
          spawnToStarted: summarize(spawnToStarted(run)),
        };
        if (!completed) ctx.log(`scale: ${n}-worker session ended ${run.outcome.status}: ${run.outcome.reason ?? ''}`);
      }
    } finally {
      await proc.stop();
      await memProc.stop();
      removeTempDir(root);
    }
    const notes = [
      `Each worker makes one model call of ${delayMs} ms (scripted) and reports; maxWorkers = n, so all n are spawned at once. Peak memory: VmRSS and Pss summed over the coordinator (this bench process) and the live workers, sampled every 100 ms by a helper process; RSS counts pages the processes share (the node binary, tsx) once per process, Pss splits them, so Pss is the better total. "Pss per process" divides the peak Pss by the processes (coordinator included) alive at that sample.`,
      `Probe: mailbox messages every ${probeSpacingMs} ms from this process to a reader in another process during the whole session (latency as in bench 1). Session messages: each worker's started and result envelope, from its sentAt to the coordinator's event for it (whole milliseconds), split where a watcher in another process saw the file appear in the coordinator's new/.`,
      `"live workers (peak)" is the most worker processes alive at one sample; workers that finish their call before the last one has started lower it.`,
      workerBuildNote(),
    ];
    for (const h of headline) h.anchors = idleLine;
    return {
      headline,
      columns: [
        { key: 'completed', label: 'completed' },
        { key: 'wall', label: 'wall s' },
        { key: 'procs', label: 'live workers (peak)' },
        { key: 'rss', label: 'peak RSS MB (sum)' },
        { key: 'pss', label: 'peak Pss MB (sum)' },
        { key: 'perWorker', label: 'Pss per process MB' },
        { key: 'probe50', label: 'probe p50 ms' },
        { key: 'probe99', label: 'probe p99 ms' },
        { key: 'msg50', label: 'session msgs p50 ms' },
        { key: 'msg99', label: 'session msgs p99 ms' },
        { key: 'delivery50', label: '… of which sent → in new/ p50' },
        { key: 'pickup50', label: '… in new/ → coordinator event p50' },
        { key: 'toStarted', label: 'spawn → started p50 ms' },
      ],
      rows,
      targets,
      notes,
      details,
    };
  },
};
