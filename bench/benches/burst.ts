/**
 * 2. Mailbox burst: W writer processes send N messages each, back to back, to one reader
 * process. Reported per transport and fsync setting: delivered count, end-to-end msgs/s
 * (delivered ÷ time from the common start to the last message handled), and latency.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { now } from '../lib/clock.js';
import { makeTempDir, removeTempDir } from '../lib/cleanup.js';
import { BenchProc } from '../lib/procs.js';
import type { Bench } from '../lib/bench.js';
import { ratioTarget } from '../lib/ratio.js';
import { fmt, type Row } from '../lib/report.js';
import { median, round, summarize } from '../lib/stats.js';
import { prepareTransport, type Mode } from '../lib/transports.js';
import { hasRedis, xaddFloor, type XaddFloor } from '../lib/redis.js';

interface Variant {
  label: string;
  kind: Row['kind'];
  mode: Mode;
  fsync: boolean;
  capped?: boolean;
}

const VARIANTS: Variant[] = [
  { label: 'mailroom mailbox, fsync off', kind: 'mailroom', mode: 'mailroom', fsync: false },
  { label: 'mailroom mailbox, fsync on', kind: 'mailroom', mode: 'mailroom', fsync: true },
  { label: 'raw fs.watch + rename floor, fsync off', kind: 'anchor', mode: 'fswatch', fsync: false },
  { label: 'raw fs.watch + rename floor, fsync on', kind: 'anchor', mode: 'fswatch', fsync: true },
  { label: 'polled JSON inbox + proper-lockfile, 500 ms', kind: 'anchor', mode: 'polled', fsync: false, capped: true },
  // Appended last: the figures below pick the variants above by position.
  ...(hasRedis() ? [{ label: 'mailroom redis transport', kind: 'mailroom' as const, mode: 'redis' as const, fsync: false }] : []),
];

interface GoResult {
  cpuMs: number;
  sent: number;
  errors: number;
  firstError: string | null;
  t0: number;
  t1: number;
}

/** One run of one variant. */
interface Run {
  delivered: number;
  expected: number;
  sent: number;
  rate: number;
  elapsedMs: number;
  sendMs: number;
  latencies: number[];
  readerCpuMs: number;
  writerCpuMs: number;
  details: Record<string, unknown>;
}

/** The variants a ratio goal compares, run in adjacent pairs in every round. */
const PAIRS: Array<[mine: number, floor: number]> = [
  [0, 2],
  [1, 3],
];

export const burstBench: Bench = {
  id: 'burst',
  title: '2. Mailbox burst (writer processes × messages, no spacing)',
  async run(ctx) {
    const { writers: W, perWriter: N, polledCapMs, timeoutMs } = ctx.cfg.burst;
    // The machine is shared: each mailroom variant and its floor run back to back, in
    // several rounds, and a ratio is taken per round (its median is the figure).
    const rounds = ctx.scale === 'full' ? 3 : 1;
    const root = makeTempDir('burst');
    const procs: BenchProc[] = [];
    const runs = new Map<number, Run[]>(VARIANTS.map((_, i) => [i, []]));
    let redisFloor: XaddFloor | undefined;
    let serial = 0;
    try {
      const reader = await BenchProc.start('receiver.ts', 'burst reader');
      procs.push(reader);
      const writers = await Promise.all(Array.from({ length: W }, (_, k) => BenchProc.start('writer.ts', `burst writer ${k + 1}`)));
      procs.push(...writers);
      const once = async (vi: number, roundNo: number): Promise<void> => {
        const v = VARIANTS[vi]!;
        ctx.log(`burst: ${v.label}${v.capped || v.mode === 'redis' ? '' : `, round ${roundNo + 1}/${rounds}`}`);
        const dir = path.join(root, `${v.mode}-${v.fsync ? 'fsync' : 'nofsync'}-${serial++}`);
        const spec = await prepareTransport(v.mode, dir);
        await reader.call('recv.start', { spec });
        await Promise.all(
          writers.map((w, k) =>
            w.call('burst.prepare', { spec, from: `bench-writer-${String(k + 1).padStart(2, '0')}`, n: N, firstIndex: k * N, fsync: v.fsync }),
          ),
        );
        // A common start a little ahead, so every writer begins at the same instant.
        const startAt = now() + 250;
        const goes = await Promise.all(
          writers.map((w) => w.call<GoResult>('burst.go', { startAt, ...(v.capped ? { capMs: polledCapMs } : {}) }, timeoutMs)),
        );
        const sent = goes.reduce((sum, g) => sum + g.sent, 0);
        const errors = goes.reduce((sum, g) => sum + g.errors, 0);
        const out = await reader.call<{ received: number; dupes: number; latencies: number[]; lastAt: number | null; stats: unknown; complete: boolean; cpuMs: number; elu: number }>(
          'recv.wait',
          { expect: sent, timeoutMs: v.capped ? 5000 : timeoutMs },
          timeoutMs + 10_000,
        );
        const elapsed = (out.lastAt ?? now()) - startAt;
        // Each run's 10,000 files go at once, between runs: a dozen runs' worth left for the
        // end took minutes to remove on a loaded machine, and would crowd the page cache.
        fs.rmSync(dir, { recursive: true, force: true });
        const writerCpuMs = goes.reduce((sum, g) => sum + g.cpuMs, 0);
        runs.get(vi)!.push({
          delivered: out.received,
          expected: W * N,
          sent,
          rate: out.received / (elapsed / 1000),
          elapsedMs: elapsed,
          sendMs: Math.max(...goes.map((g) => g.t1)) - startAt,
          latencies: out.latencies,
          readerCpuMs: out.cpuMs,
          writerCpuMs,
          details: {
            round: roundNo,
            sent,
            errors,
            firstError: goes.find((g) => g.firstError)?.firstError ?? null,
            received: out.received,
            dupes: out.dupes,
            elapsedMs: round(elapsed),
            readerStats: out.stats,
            latency: summarize(out.latencies),
            readerCpuMs: out.cpuMs,
            readerElu: out.elu,
            writerCpuMs,
          },
        });
      };
      for (let r = 0; r < rounds; r++) {
        for (const [mine, floor] of PAIRS) {
          // Alternate which of the pair goes first, so a drift in the machine's load favours neither.
          for (const vi of r % 2 === 0 ? [mine, floor] : [floor, mine]) await once(vi, r);
        }
      }
      for (let vi = 0; vi < VARIANTS.length; vi++) if (!PAIRS.some((p) => p.includes(vi))) await once(vi, 0);
      if (VARIANTS.some((v) => v.mode === 'redis')) redisFloor = await xaddFloor();
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
      removeTempDir(root);
    }
    const rows: Row[] = [];
    const details: Record<string, unknown> = {};
    const measured = new Map<number, { delivered: number; expected: number; rate: number; p99: number }>();
    const cpu = new Map<number, { saturation: number; readerUs: number; writerUs: number }>();
    VARIANTS.forEach((v, vi) => {
      const rs = runs.get(vi)!;
      const delivered = rs.reduce((sum, x) => sum + x.delivered, 0);
      const expected = rs.reduce((sum, x) => sum + x.expected, 0);
      const sent = rs.reduce((sum, x) => sum + x.sent, 0);
      const rate = median(rs.map((x) => x.rate));
      const lat = summarize(rs.flatMap((x) => x.latencies));
      const readerCpuMs = rs.reduce((sum, x) => sum + x.readerCpuMs, 0);
      const writerCpuMs = rs.reduce((sum, x) => sum + x.writerCpuMs, 0);
      const elapsedMs = rs.reduce((sum, x) => sum + x.elapsedMs, 0);
      // CPU the reader and the writers used ÷ what the machine's cores offered meanwhile.
      const saturation = (writerCpuMs + readerCpuMs) / (elapsedMs * os.cpus().length);
      measured.set(vi, { delivered, expected, rate, p99: lat.p99 });
      cpu.set(vi, { saturation, readerUs: (readerCpuMs * 1000) / Math.max(1, delivered), writerUs: (writerCpuMs * 1000) / Math.max(1, sent) });
      rows.push({
        label: v.label,
        kind: v.kind,
        values: {
          delivered: `${delivered}/${expected}`,
          rate: round(rate, 0),
          rounds: rs.length > 1 ? rs.map((x) => fmt(x.rate)).join(' · ') : '-',
          wall: round(median(rs.map((x) => x.elapsedMs)) / 1000, 2),
          sendRate: round(median(rs.map((x) => x.sent / (x.sendMs / 1000))), 0),
          p50: lat.p50,
          p99: lat.p99,
          readerCpu: round((readerCpuMs * 1000) / Math.max(1, delivered), 0),
          writerCpu: round((writerCpuMs * 1000) / Math.max(1, sent), 0),
          cpuShare: round(saturation, 2),
        },
      });
      details[v.label] = rs.map((x) => x.details);
    });
    if (redisFloor) {
      rows.push({ label: 'redis-benchmark XADD, 50 clients (floor)', kind: 'anchor', values: { delivered: '-', rate: round(redisFloor.fiftyClients.rps, 0), rounds: '-', wall: '-', sendRate: round(redisFloor.fiftyClients.rps, 0), p50: redisFloor.fiftyClients.p50, p99: '-', readerCpu: '-', writerCpu: '-', cpuShare: '-' } });
    }
    const off = measured.get(0)!;
    const on = measured.get(1)!;
    const floorOff = measured.get(2)!;
    const floorOn = measured.get(3)!;
    const polled = measured.get(4)!;
    /** mailroom ÷ floor per round (each pair ran back to back); the median is the figure. */
    const ratios = (mine: number, floor: number) => runs.get(mine)!.map((x, r) => x.rate / runs.get(floor)![r]!.rate);
    const offRatios = ratios(0, 2);
    const onRatios = ratios(1, 3);
    const notes = [
      `${W} writer processes × ${N} messages each, started together on the shared clock; one reader process. msgs/s = delivered ÷ (last message handled − common start); "send msgs/s" is what the writers managed on their side.`,
      `Each mailroom variant and its raw floor ran back to back in ${rounds} round(s) (the pair's order alternating), and the ratio is taken per round: fsync off ${offRatios.map((x) => `${fmt(x)}×`).join(', ')}; fsync on ${onRatios.map((x) => `${fmt(x)}×`).join(', ')}. The figure is the median; msgs/s in the table is the median round, "per round" lists them all.`,
      `The raw floor writes as the mailbox sender does (synchronous open wx, write, close and rename of a small local file; only fsync awaited), and its reader takes each file fs.watch names with readFileSync + renameSync, without a listing, a schema or a lock.`,
      `The polled inbox's writers stop after ${polledCapMs / 1000} s (each send rewrites the whole growing array under one lock that all writers and the poller contend for), so its delivered count is what fits in that window.`,
    ];
    const offCpu = cpu.get(0)!;
    const floorCpu = cpu.get(2)!;
    notes.push(
      `CPU, measured (process.cpuUsage in each process): mailroom spends ${round(offCpu.writerUs, 0)} µs of writer CPU and ${round(offCpu.readerUs, 0)} µs of reader CPU per message (fsync off); the raw floor ${round(floorCpu.writerUs, 0)} + ${round(floorCpu.readerUs, 0)} µs. Most of either is kernel time in creating the tmp/ file (open with O_CREAT|O_EXCL) and the renames, which both pay alike. "CPU used ÷ cores × wall" is the share of the machine the reader and writers got during the burst (${round(offCpu.saturation, 2)} for mailroom with fsync off); below 1, the rest went to waiting on I/O and to other load on the machine.`,
    );
    const red = VARIANTS.findIndex((v) => v.mode === 'redis');
    const redM = red >= 0 ? measured.get(red) : undefined;
    if (redM && redisFloor) {
      notes.push(
        `redis transport: ${redM.delivered}/${redM.expected} at ${fmt(redM.rate)} msgs/s (p99 ${fmt(redM.p99)} ms), against redis-benchmark's XADD floor of ${fmt(redisFloor.fiftyClients.rps)} req/s with 50 clients (${fmt(redisFloor.oneClient.rps)} with 1) on the same local redis-server in this run. Each message costs the sender one XADD and the reader its share of an XREADGROUP plus one XACK script.`,
      );
    }
    if (polled.delivered < polled.expected) notes.push(`Polled inbox: ${polled.delivered} of ${polled.expected} delivered before the cap.`);
    const offRatio = median(offRatios);
    const onRatio = median(onRatios);
    const targets = [
      { figure: 'Burst, fsync off: everything delivered', target: `${off.expected}/${off.expected}`, measured: `${off.delivered}/${off.expected}`, met: off.delivered === off.expected },
      ratioTarget({ figure: 'Burst throughput, fsync off', mine: `${fmt(off.rate)} msgs/s`, floor: `${fmt(floorOff.rate)} msgs/s`, ratio: offRatio, goal: 0.6, dir: '>=' }),
      { figure: 'Burst, fsync on: everything delivered', target: `${on.expected}/${on.expected}`, measured: `${on.delivered}/${on.expected}`, met: on.delivered === on.expected },
      ratioTarget({ figure: 'Burst throughput, fsync on', mine: `${fmt(on.rate)} msgs/s`, floor: `${fmt(floorOn.rate)} msgs/s`, ratio: onRatio, goal: 0.6, dir: '>=' }),
    ];
    const line = (fsync: 'off' | 'on', m: typeof off, floor: typeof off, ratio: number, t: typeof targets) => ({
      figure: `Burst, ${W} writers × ${N.toLocaleString('en')}, fsync ${fsync}`,
      mailroom: `${fmt(ratio)}× floor: ${m.delivered}/${m.expected} at ${fmt(m.rate)} msgs/s, p99 ${fmt(m.p99)} ms`,
      anchors: `raw floor ${fmt(floor.rate)} msgs/s${fsync === 'off' ? ` · polled inbox ${polled.delivered}/${polled.expected} in ${polledCapMs / 1000} s (${fmt(polled.rate)} msgs/s)` : ''}`,
      target: 'all delivered, ≥ 0.6× floor',
      met: t.every((x) => x.met),
    });
    return {
      headline: [line('off', off, floorOff, offRatio, targets.slice(0, 2)), line('on', on, floorOn, onRatio, targets.slice(2))],
      columns: [
        { key: 'delivered', label: 'delivered' },
        { key: 'rate', label: 'msgs/s' },
        { key: 'rounds', label: 'msgs/s per round' },
        { key: 'wall', label: 'wall s' },
        { key: 'sendRate', label: 'send msgs/s' },
        { key: 'p50', label: 'p50 ms' },
        { key: 'p99', label: 'p99 ms' },
        { key: 'readerCpu', label: 'reader CPU µs/msg' },
        { key: 'writerCpu', label: 'writers CPU µs/msg' },
        { key: 'cpuShare', label: 'CPU used ÷ cores × wall' },
      ],
      rows,
      targets,
      notes,
      details: { ...details, ratios: { fsyncOff: offRatios, fsyncOn: onRatios } },
    };
  },
};
